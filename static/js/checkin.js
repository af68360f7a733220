// The check-in page: get a high-accuracy fix, show where it is against the village fence
// before sending, ask before sending a record that will not count, then send it once.
// The same page serves a duty holder's check-in in one of their villages (巡村): the root
// then carries data-village-id and data-endpoint, and the answer says `counts`.
(function () {
  "use strict";
  var root = document.getElementById("checkin");
  if (!root) { return; }
  var text = JSON.parse(document.getElementById("checkin-text").textContent);
  var locateButton = document.getElementById("locate");
  var sendButton = document.getElementById("send");
  var fixBox = document.getElementById("fix");
  var resultBox = document.getElementById("result");
  var nextBox = document.getElementById("next");
  var map = document.getElementById("fence-map");
  var note = document.getElementById("note");
  var centre = {lat: +root.dataset.lat, lon: +root.dataset.lon};
  var radius = +root.dataset.radius;
  // The village's boundary when it has one ([polygon][ring][[lat, lon]], WGS-84): then it
  // decides, as on the server, instead of the circle.
  var outlineBox = document.getElementById("checkin-boundary");
  var outline = outlineBox ? JSON.parse(outlineBox.textContent) : null;
  var maxAccuracy = +root.dataset.maxAccuracy;
  var roundVillage = root.dataset.villageId ? +root.dataset.villageId : null;
  // Reasons the cadre is told in the answer; the rest (how fraud is detected, with its
  // thresholds) are for the supervisors only.
  var TOLD = {outside_fence: true, low_accuracy: true, late_sync: true, synced_too_late: true, clock_skew: true,
              clock_disagrees: true, during_leave: true};
  var fix = null;

  function say(box, message, kind) {
    box.textContent = message;
    box.className = "notice " + (kind || "");
    box.hidden = false;
  }

  function metres(a, b) {
    var r = 6371000, p = Math.PI / 180;
    var h = Math.pow(Math.sin((b.lat - a.lat) * p / 2), 2) +
      Math.cos(a.lat * p) * Math.cos(b.lat * p) * Math.pow(Math.sin((b.lon - a.lon) * p / 2), 2);
    return 2 * r * Math.asin(Math.sqrt(h));
  }

  // Metres east and south (SVG y grows down) of the centre, flat over a village's size.
  var perLat = metres(centre, {lat: centre.lat + 0.001, lon: centre.lon}) / 0.001;
  var perLon = metres(centre, {lat: centre.lat, lon: centre.lon + 0.001}) / 0.001;
  function local(lat, lon) { return [(lon - centre.lon) * perLon, (centre.lat - lat) * perLat]; }

  // Inside the boundary (even-odd over every ring: holes and separate natural villages)
  // and the distance to its nearest edge, in metres.
  function against(f) {
    var p = local(f.lat, f.lon), inside = false, edge = Infinity;
    outline.forEach(function (polygon) {
      polygon.forEach(function (ring) {
        for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
          var a = local(ring[i][0], ring[i][1]), b = local(ring[j][0], ring[j][1]);
          if ((a[1] > p[1]) !== (b[1] > p[1]) &&
              p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]) { inside = !inside; }
          var dx = b[0] - a[0], dy = b[1] - a[1], len = dx * dx + dy * dy;
          var t = len ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len)) : 0;
          edge = Math.min(edge, Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy));
        }
      });
    });
    return {inside: inside || edge < 0.01, edge: edge};
  }

  function judged(f) {
    if (outline) { return against(f); }
    return {inside: f.distance <= radius, edge: Math.abs(radius - f.distance)};
  }

  // The fence (its circle, or its boundary) and the fix as a dot, north up, scaled to hold both.
  function draw(f) {
    var p = local(f.lat, f.lon), span = Math.max(Math.abs(p[0]), Math.abs(p[1]));
    if (outline) {
      outline.forEach(function (polygon) { polygon.forEach(function (ring) { ring.forEach(function (v) {
        var q = local(v[0], v[1]); span = Math.max(span, Math.abs(q[0]), Math.abs(q[1]));
      }); }); });
    } else { span = Math.max(span, radius); }
    var scale = 90 / (span * 1.15);
    var circle = document.getElementById("fence-circle"), shape = document.getElementById("fence-shape");
    if (outline) {
      circle.setAttribute("r", 0);
      shape.setAttribute("d", outline.map(function (polygon) { return polygon.map(function (ring) {
        return "M" + ring.map(function (v) { var q = local(v[0], v[1]);
          return (q[0] * scale).toFixed(1) + " " + (q[1] * scale).toFixed(1); }).join("L") + "Z";
      }).join(""); }).join(""));
    } else { circle.setAttribute("r", radius * scale); }
    var dot = document.getElementById("fence-fix");
    dot.setAttribute("cx", p[0] * scale);
    dot.setAttribute("cy", p[1] * scale);
    map.classList.toggle("outside", !f.inside);
    map.removeAttribute("hidden");  // an SVG element has no .hidden property
  }

  function describe(f) {
    var inside = f.inside;
    var lines = [(inside ? text.inside : text.outside)
      .replace("{m}", Math.round(f.distance)).replace("{e}", Math.round(f.edge)),
      text.accuracy.replace("{m}", Math.round(f.accuracy_m)) +
      (f.good ? "" : " " + text.too_coarse.replace("{limit}", maxAccuracy))];
    say(fixBox, lines.join("\n"), inside && f.good ? "ok" : (inside ? "warn" : "bad"));
    draw(f);
  }

  function locate() {
    if (!navigator.geolocation) { say(fixBox, text.no_gps, "bad"); return; }
    say(fixBox, text.locating, "");
    locateButton.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      fix = {lat: pos.coords.latitude, lon: pos.coords.longitude,
             accuracy_m: Math.round(pos.coords.accuracy * 10) / 10,
             recorded_at: new Date(pos.timestamp || Date.now()).toISOString()};
      fix.distance = metres(centre, fix);
      var verdict = judged(fix);
      fix.inside = verdict.inside;
      fix.edge = verdict.edge;
      fix.good = fix.accuracy_m <= maxAccuracy;
      describe(fix);
      locateButton.textContent = text.retry;
      locateButton.disabled = false;
      sendButton.disabled = false;
    }, function (err) {
      say(fixBox, err.code === 1 ? text.denied : text.failed, "bad");
      locateButton.disabled = false;
    }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 0});
  }

  function send() {
    if (!fix) { return; }
    var warning = !fix.inside ? text.confirm_outside : (!fix.good ? text.confirm_coarse : "");
    if (warning && !window.confirm(warning)) { say(resultBox, text.not_sent, "warn"); return; }
    var record = {id: window.newRecordId(), lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m,
                  recorded_at: fix.recorded_at};
    if (note.value.trim()) { record.note = note.value.trim(); }
    if (roundVillage) { record.village_id = roundVillage; }
    sendButton.disabled = true;
    nextBox.hidden = true;
    say(resultBox, text.sending, "");
    (roundVillage ? window.roundCheckinSend : window.checkinSend)(record).then(function (outcome) {
      if (outcome.queued) { say(resultBox, text.queued, "warn"); return; }
      var body = outcome.body;
      if (!outcome.ok) { say(resultBox, (body.error && body.error.message) || text.failed, "bad"); return; }
      // The fix is spent: its line gives way to the server's answer, so the distance is
      // said once.
      fixBox.hidden = true;
      map.setAttribute("hidden", "");
      var counted = roundVillage ? body.counts : body.counts_for_day;
      var lines = [counted ? text.counts : text.not_counts];
      (body.reasons || []).forEach(function (r) { if (TOLD[r.code]) { lines.push(r.message); } });
      say(resultBox, lines.join("\n"), counted ? "ok" : "bad");
      if (body.offer_return) {  // on post during approved leave: offer to close it (销假)
        var close = document.createElement("a");
        close.href = "/my/leaves#leave-" + body.offer_return.leave_id;
        close.className = "button";
        close.textContent = text.offer_return;
        resultBox.appendChild(document.createElement("br"));
        resultBox.appendChild(close);
      }
      nextBox.hidden = !!counted;
      fix = null;
      note.value = "";
    });
  }

  // Sending goes through one function, so the offline queue can take it over.
  function sender(url) { return function (record) {
    var token = document.querySelector('meta[name="csrf-token"]').content;
    return fetch(url, {method: "POST", credentials: "same-origin",
      // A refusal's sentence comes back in the page's language (the server's table).
      headers: {"Content-Type": "application/json", "X-CSRFToken": token,
                "Accept-Language": document.documentElement.lang || "zh-CN"},
      body: JSON.stringify(record)}).then(function (response) {
        return response.json().then(function (body) {
          return {ok: response.ok, body: body};
        });
      }, function () { return {ok: false, body: {error: {message: text.no_network}}}; });
  }; }
  window.checkinSend = window.checkinSend || sender("/api/v1/checkins");
  window.roundCheckinSend = window.roundCheckinSend || sender(root.dataset.endpoint || "/api/v1/round-checkins");

  locateButton.addEventListener("click", locate);
  sendButton.addEventListener("click", send);
})();
