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
  // The published appeals (a pothole, a broken light): round marks, apart
  // from the centres' pins; their list is on the page below the map.
  JSON.parse(el.getAttribute("data-appeals") || "[]").forEach(function (a) {
    var c = L.circleMarker([a.lat, a.lon], { radius: 7, color: "#8a1c00", weight: 2, fillOpacity: 0.6 }).addTo(map);
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/appeals/public/" + encodeURIComponent(a.id);
    link.textContent = a.title;
    box.appendChild(link);
    var st = document.createElement("p");
    st.textContent = a.status;
    box.appendChild(st);
    c.bindPopup(box);
  });
  map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
  L.control.scale({ imperial: false }).addTo(map);
})();

// «Найближчий до мене»: the browser's position fills the point in and the
// form sorts the list on the server (nearest.go); without geolocation the
// button stays hidden and the typed point does the same.
(function () {
  var btn = document.getElementById("near-me");
  var input = document.getElementById("near");
  var form = document.getElementById("near-form");
  var status = document.getElementById("near-status");
  if (!btn || !input || !form || !navigator.geolocation) return;
  btn.hidden = false;
  btn.addEventListener("click", function () {
    btn.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      input.value = pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
      form.submit();
    }, function () {
      btn.disabled = false;
      status.textContent = btn.getAttribute("data-denied");
      input.focus();
    }, { timeout: 15000, maximumAge: 600000 });
  });
})();
