// Draws village fences and check-ins on a Leaflet map from a JSON block on the page.
(function () {
  "use strict";
  var box = document.getElementById("map");
  var data = document.getElementById("map-data");
  if (!box || !data || !window.L) { return; }
  var points = JSON.parse(data.textContent);
  // Names come from the roster: a tooltip gets them as a text node, never as HTML
  // (Leaflet sets a string tooltip's content with innerHTML).
  function label(text) {
    var span = document.createElement("span");
    span.textContent = text == null ? "" : String(text);
    return span;
  }
  var map = L.map(box, {scrollWheelZoom: false});
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, {maxZoom: 18, attribution: box.dataset.attribution || ""}).addTo(map);
  }
  var bounds = [];
  points.fences.forEach(function (f) {
    L.circle([f.lat, f.lon], {radius: f.radius_m, color: "#b91c1c", weight: 2, fillOpacity: 0.05})
      .bindTooltip(label(f.name)).addTo(map);
    bounds.push([f.lat, f.lon]);
  });
  points.marks.forEach(function (m) {
    L.circleMarker([m.lat, m.lon], {radius: 7, color: m.ok ? "#15803d" : "#b45309", fillOpacity: 0.8})
      .bindTooltip(label(m.label)).addTo(map);
    bounds.push([m.lat, m.lon]);
  });
  if (bounds.length) { map.fitBounds(bounds, {padding: [20, 20], maxZoom: 15}); }
  else { map.setView([30.85, 116.36], 10); }
})();
