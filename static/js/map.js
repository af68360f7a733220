// Draws village fences (circles or polygons) and check-ins on a Leaflet map from the JSON
// block the page carries: the tile layers, the notes to show and the points, already in the
// tiles' own coordinate system (checkin/maps.py).
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
  // Said right above the map, so an empty background is explained, not a grey box (and
  // nothing drawn is hidden under the note).
  var note = null;
  function say(text) {
    if (note || !text) { return; }
    note = document.createElement("p");
    note.className = "map-note";
    note.setAttribute("role", "status");
    note.textContent = text;
    box.parentNode.insertBefore(note, box);
  }
  var map = L.map(box, {scrollWheelZoom: false});
  map.attributionControl.setPrefix("Leaflet");  // the prefix's default carries a flag
  var tiles = points.tiles || {layers: []};
  tiles.layers.forEach(function (url) {
    L.tileLayer(url, {maxZoom: 18, subdomains: tiles.subdomains || "abc",
                      attribution: tiles.attribution || ""})
      .on("tileerror", function () { say(points.notes.tile_error); })
      .addTo(map);
  });
  if (!tiles.layers.length) { say(points.notes[tiles.missing]); }
  var bounds = [];
  var style = {color: "#b91c1c", weight: 2, fillOpacity: 0.05};
  points.fences.forEach(function (f) {
    var shape;
    if (f.shape && f.shape.length) {  // [polygon][ring][[lat, lon]]: outer ring, then holes
      shape = L.polygon(f.shape, style);
      f.shape.forEach(function (polygon) { bounds = bounds.concat(polygon[0]); });
    } else {
      shape = L.circle([f.lat, f.lon], L.extend({radius: f.radius_m}, style));
      var dLat = f.radius_m / 111320, dLon = dLat / Math.cos(f.lat * Math.PI / 180);
      bounds.push([f.lat - dLat, f.lon - dLon], [f.lat + dLat, f.lon + dLon]);  // the whole circle
    }
    shape.bindTooltip(label(f.name)).addTo(map);
  });
  points.marks.forEach(function (m) {
    L.circleMarker([m.lat, m.lon], {radius: 7, color: m.ok ? "#15803d" : "#b45309", fillOpacity: 0.8})
      .bindTooltip(label(m.label)).addTo(map);
    bounds.push([m.lat, m.lon]);
  });
  if (bounds.length) { map.fitBounds(bounds, {padding: [20, 20], maxZoom: 15}); }
  else { map.setView([30.85, 116.36], 10); }
})();
