// Updates an application's timeline in place while its page is open: the
// page works without this (reload shows the same), it only saves a reload.
(function () {
  var box = document.querySelector("[data-poll]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-poll");
  var status = box.getAttribute("data-status");
  var seen = box.querySelectorAll("#timeline li").length;
  function render(s) {
    var list = box.querySelector("#timeline");
    for (var i = seen; i < s.events.length; i++) {
      var e = s.events[i], li = document.createElement("li");
      var t = document.createElement("time"); t.textContent = e.at;
      var b = document.createElement("strong"); b.textContent = e.label;
      var who = document.createElement("span"); who.className = "muted"; who.textContent = " — " + e.who;
      li.appendChild(t); li.appendChild(document.createTextNode(" ")); li.appendChild(b); li.appendChild(who);
      if (e.comment) {
        var c = document.createElement("span"); c.className = "comment"; c.textContent = e.comment;
        li.appendChild(document.createElement("br")); li.appendChild(c);
      }
      list.appendChild(li);
    }
    seen = s.events.length;
    var st = document.getElementById("app-status");
    if (st) st.textContent = s.label;
    if (s.status !== status) {
      status = s.status;
      box.setAttribute("data-status", status);
      refresh();
      // A closed application has no new actions: the refreshed parts say
      // everything. Otherwise a reload shows the forms of the new status.
      if (status !== "issued" && status !== "withdrawn" && !box.querySelector(".changed")) {
        var p = document.createElement("p"), a = document.createElement("a");
        p.className = "flash changed"; a.href = location.pathname; a.textContent = box.getAttribute("data-changed");
        p.appendChild(a); box.insertBefore(p, box.firstChild);
      }
    }
  }
  // refresh puts the page's [data-live] parts — the result shown first,
  // the status and decision, the documents — in place from the page as
  // the server renders it now, so nothing is rendered twice.
  function refresh() {
    if (!window.DOMParser) return;
    fetch(location.pathname, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var parts = document.querySelectorAll("[data-live]");
        for (var i = 0; i < parts.length; i++) {
          var name = parts[i].getAttribute("data-live");
          var next = fresh.querySelector('[data-live="' + name + '"]');
          if (next) parts[i].innerHTML = next.innerHTML;
        }
      })
      .catch(function () {});
  }
  function tick() {
    if (document.hidden) return;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s) render(s); })
      .catch(function () {});
  }
  setInterval(tick, 5000);
})();
