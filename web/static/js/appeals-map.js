// The appeals' maps: Leaflet (web/static/vendor/leaflet, vendored from
// npm), as the centres' map has it, with tiles only from the portal's own
// origin (HROMADA_MAP_TILES) or none. Two modes, by the element's
// data-mode:
//   - "pins": the published appeals of the page as markers; the list
//     beside the map is the page itself (keyboard, screen reader, no
//     script).
//   - "pick": on the filing form, a click — or, from the keyboard, Enter
//     with the place under the cross in the middle — sets the point in the
//     latitude and longitude fields, which stay the way without script and
//     the accessible one; typing in them moves the marker.
(function () {
  var el = document.getElementById("map") || document.getElementById("point-map");
  if (!el || !window.L) return;
  var mode = el.getAttribute("data-mode");
  var tiles = el.getAttribute("data-tiles");
  var centre = (el.getAttribute("data-centre") || "48.6,31.2,5").split(",").map(Number);

  function base(opts) {
    el.hidden = false;
    var map = L.map(el, Object.assign({ keyboard: true, scrollWheelZoom: false, attributionControl: true }, opts || {}));
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    L.control.scale({ imperial: false }).addTo(map);
    return map;
  }

  if (mode === "pins") {
    var points = JSON.parse(el.getAttribute("data-points") || "[]");
    if (!points.length) {
      el.hidden = true;
      return;
    }
    var map = base();
    var bounds = [];
    points.forEach(function (p) {
      var m = L.marker([p.lat, p.lon], { title: p.title, alt: p.title, keyboard: true }).addTo(map);
      var box = document.createElement("div");
      var a = document.createElement("a");
      a.href = "/appeals/public/" + encodeURIComponent(p.id);
      a.textContent = p.title;
      box.appendChild(a);
      if (p.status) {
        var s = document.createElement("p");
        s.textContent = p.status;
        box.appendChild(s);
      }
      m.bindPopup(box);
      bounds.push([p.lat, p.lon]);
    });
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 });
    return;
  }

  if (mode !== "pick") return;
  var lat = document.getElementById("f-lat");
  var lon = document.getElementById("f-lon");
  var status = document.getElementById("point-status");
  var hint = document.getElementById("point-map-hint");
  if (!lat || !lon) return;
  if (hint) hint.hidden = false;
  el.classList.add("picking");
  var pick = base({ zoomControl: true });
  var marker = null;
  function typed() {
    var a = parseFloat(String(lat.value).replace(",", "."));
    var b = parseFloat(String(lon.value).replace(",", "."));
    return isFinite(a) && isFinite(b) && a >= -90 && a <= 90 && b >= -180 && b <= 180 ? L.latLng(a, b) : null;
  }
  function show(ll) {
    if (marker) {
      marker.setLatLng(ll);
    } else {
      marker = L.marker(ll, { keyboard: false, interactive: false }).addTo(pick);
    }
  }
  function set(ll) {
    var a = ll.lat.toFixed(6), b = ll.lng.toFixed(6);
    lat.value = a;
    lon.value = b;
    show(ll);
    if (status) status.textContent = status.getAttribute("data-set") + ": " + a + ", " + b;
  }
  var start = typed();
  if (start) {
    pick.setView(start, 16);
    show(start);
  } else {
    pick.setView([centre[0], centre[1]], centre[2] || 13);
  }
  pick.on("click", function (e) {
    set(e.latlng);
  });
  el.addEventListener("keydown", function (e) {
    // Enter on the map itself (not on a control inside it) sets the point
    // under the cross in the middle.
    if (e.key === "Enter" && e.target === el) {
      e.preventDefault();
      set(pick.getCenter());
    }
  });
  [lat, lon].forEach(function (f) {
    f.addEventListener("change", function () {
      var ll = typed();
      if (ll) {
        show(ll);
        pick.panTo(ll);
      }
    });
  });
})();
