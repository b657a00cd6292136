// The centres' map: Leaflet (web/static/vendor/leaflet, vendored from npm)
// with a marker per centre from the page's data. The list beside it is the
// page itself; without script or Leaflet the list is all there is.
(function () {
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var points = JSON.parse(el.getAttribute("data-points") || "[]");
  if (!points.length) return;
  var map = L.map(el, { keyboard: true, scrollWheelZoom: false, attributionControl: true });
  var tiles = el.getAttribute("data-tiles");
  if (tiles) {
    // The city's tile source, on the portal's own origin.
    L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
  } else {
    el.classList.add("no-tiles");
  }
  var bounds = [];
  points.forEach(function (p) {
    var m = L.marker([p.lat, p.lon], { title: p.name, alt: p.name, keyboard: true }).addTo(map);
    var box = document.createElement("div");
    var a = document.createElement("a");
    a.href = "/centres/" + encodeURIComponent(p.code);
    a.textContent = p.name;
    box.appendChild(a);
    if (p.next) {
      var n = document.createElement("p");
      n.textContent = el.getAttribute("data-next") + ": " + p.next;
      box.appendChild(n);
      var b = document.createElement("a");
      b.href = "/book?centre=" + encodeURIComponent(p.code);
      b.textContent = el.getAttribute("data-book");
      box.appendChild(b);
    }
    m.bindPopup(box);
    bounds.push([p.lat, p.lon]);
  });
  map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
  L.control.scale({ imperial: false }).addTo(map);
})();
