// The hall display: fetches its own page every few seconds and puts the
// board in place. Without script the page still shows the board; a
// reload shows the latest.
(function () {
  var box = document.querySelector("[data-refresh]");
  if (!box || !window.fetch || !window.DOMParser) return;
  var every = parseInt(box.getAttribute("data-refresh"), 10) || 5000;
  function tick() {
    fetch(location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var next = new DOMParser().parseFromString(html, "text/html").getElementById("board");
        var now = document.getElementById("board");
        if (next && now && next.innerHTML !== now.innerHTML) now.innerHTML = next.innerHTML;
      })
      .catch(function () {})
      .then(function () { setTimeout(tick, every); });
  }
  setTimeout(tick, every);
})();
