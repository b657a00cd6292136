// The application's steps, enhanced: the pages work without this script
// (the server checks every field, and a settlement is found with the
// «Знайти» button), it only saves a round trip.
//
// 1. An error summary is focused when the page opens, so a screen reader
//    reads it first and a keyboard starts from it (GOV.UK's pattern).
// 2. A settlement field becomes a combobox (WAI-ARIA APG "combobox with
//    listbox popup", list autocomplete): typing lists the codifier's
//    places, arrows move through them, Enter or a click picks one, Escape
//    closes the list; the picked place's code goes into the hidden input
//    that the form posts.
(function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    // A link of the summary puts the focus in its field, with the field's
    // label in view (a fragment link alone only scrolls).
    summary.addEventListener("click", function (e) {
      var a = e.target.closest("a[href^='#']");
      var el = a && document.getElementById(a.getAttribute("href").slice(1));
      if (!el) return;
      if (el.tagName === "FIELDSET") el = el.querySelector("input, select, textarea") || el;
      e.preventDefault();
      var label = document.querySelector("label[for='" + el.id + "']") || el;
      label.scrollIntoView();
      el.focus({ preventScroll: true });
    });
  }

  if (!window.fetch) return;
  var boxes = document.querySelectorAll("[data-settlement]");
  for (var i = 0; i < boxes.length; i++) combobox(boxes[i]);

  function combobox(box) {
    var name = box.getAttribute("data-settlement");
    var input = document.getElementById("f-" + name);
    var code = box.querySelector("input[type=hidden][name='" + name + "']");
    if (!input || !code) return; // choices are on the page: radio buttons do
    var find = box.querySelector(".settlement-find");
    if (find) find.hidden = true;
    var note = box.querySelector(".settlement-code");

    var list = document.createElement("ul");
    list.id = "f-" + name + "-list";
    list.className = "settlement-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", box.querySelector("label").textContent.replace("*", "").trim());
    list.hidden = true;
    input.parentNode.appendChild(list);
    var live = document.createElement("div");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    box.appendChild(live);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    var items = [], active = -1, timer = null, asked = "";

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function mark(n) {
      for (var k = 0; k < items.length; k++) {
        var li = list.children[k];
        li.setAttribute("aria-selected", k === n ? "true" : "false");
        li.className = k === n ? "active" : "";
      }
      active = n;
      if (n >= 0) {
        input.setAttribute("aria-activedescendant", list.children[n].id);
        list.children[n].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function pick(n) {
      var p = items[n];
      if (!p) return;
      input.value = p.label;
      code.value = p.code;
      if (note) note.textContent = note.textContent.replace(/UA\d{17}|$/, p.code);
      close();
    }
    function show(found) {
      items = found;
      list.textContent = "";
      for (var k = 0; k < found.length; k++) {
        var li = document.createElement("li");
        li.id = list.id + "-" + k;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = found[k].label;
        li.setAttribute("data-n", k);
        list.appendChild(li);
      }
      live.textContent = found.length ? box.getAttribute("data-found") + " " + found.length : box.getAttribute("data-none");
      if (found.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
      active = -1;
    }
    function ask() {
      var q = input.value.trim();
      if (q === asked) return;
      asked = q;
      if (q.length < 2) { show([]); return; }
      fetch("/places?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) { if (input.value.trim() === q) show(found); })
        .catch(function () { /* the server resolves the name on submit */ });
    }

    input.addEventListener("input", function () {
      code.value = ""; // the text no longer names the place picked
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden;
      if (e.key === "ArrowDown") {
        if (!open) { asked = ""; ask(); return; }
        mark(active + 1 < items.length ? active + 1 : 0);
        e.preventDefault();
      } else if (e.key === "ArrowUp" && open) {
        mark(active > 0 ? active - 1 : items.length - 1);
        e.preventDefault();
      } else if (e.key === "Enter" && open && active >= 0) {
        pick(active);
        e.preventDefault(); // picking is not submitting
      } else if (e.key === "Escape" && open) {
        close();
        e.preventDefault();
      }
    });
    list.addEventListener("mousedown", function (e) { e.preventDefault(); }); // keep the focus in the input
    list.addEventListener("click", function (e) {
      var li = e.target.closest("li[role=option]");
      if (li) pick(+li.getAttribute("data-n"));
    });
    input.addEventListener("blur", function () { setTimeout(close, 0); });
  }
})();
