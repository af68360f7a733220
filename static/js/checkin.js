// The check-in page: get a high-accuracy fix, show where it is against the village fence
// before sending, ask before sending a record that will not count, then send it once.
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
  var maxAccuracy = +root.dataset.maxAccuracy;
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

  // The fence as a circle and the fix as a dot, north up, scaled to hold both.
  function draw(f) {
    var north = metres(centre, {lat: f.lat, lon: centre.lon}) * (f.lat < centre.lat ? 1 : -1);
    var east = metres(centre, {lat: centre.lat, lon: f.lon}) * (f.lon < centre.lon ? -1 : 1);
    var span = Math.max(radius, Math.abs(north), Math.abs(east)) * 1.15;
    var scale = 90 / span;
    document.getElementById("fence-circle").setAttribute("r", radius * scale);
    var dot = document.getElementById("fence-fix");
    dot.setAttribute("cx", east * scale);
    dot.setAttribute("cy", north * scale);
    map.classList.toggle("outside", f.distance > radius);
    map.removeAttribute("hidden");  // an SVG element has no .hidden property
  }

  function describe(f) {
    var inside = f.distance <= radius;
    var lines = [(inside ? text.inside : text.outside)
      .replace("{m}", Math.round(f.distance)).replace("{e}", Math.round(Math.abs(radius - f.distance))),
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
    var warning = fix.distance > radius ? text.confirm_outside : (!fix.good ? text.confirm_coarse : "");
    if (warning && !window.confirm(warning)) { say(resultBox, text.not_sent, "warn"); return; }
    var record = {id: window.newRecordId(), lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m,
                  recorded_at: fix.recorded_at};
    if (note.value.trim()) { record.note = note.value.trim(); }
    sendButton.disabled = true;
    nextBox.hidden = true;
    say(resultBox, text.sending, "");
    window.checkinSend(record).then(function (outcome) {
      if (outcome.queued) { say(resultBox, text.queued, "warn"); return; }
      var body = outcome.body;
      if (!outcome.ok) { say(resultBox, (body.error && body.error.message) || text.failed, "bad"); return; }
      // The fix is spent: its line gives way to the server's answer, so the distance is
      // said once.
      fixBox.hidden = true;
      map.setAttribute("hidden", "");
      var lines = [body.counts_for_day ? text.counts : text.not_counts];
      (body.reasons || []).forEach(function (r) { if (TOLD[r.code]) { lines.push(r.message); } });
      say(resultBox, lines.join("\n"), body.counts_for_day ? "ok" : "bad");
      if (body.offer_return) {  // on post during approved leave: offer to close it (销假)
        var close = document.createElement("a");
        close.href = "/my/leaves#leave-" + body.offer_return.leave_id;
        close.className = "button";
        close.textContent = text.offer_return;
        resultBox.appendChild(document.createElement("br"));
        resultBox.appendChild(close);
      }
      nextBox.hidden = !!body.counts_for_day;
      fix = null;
      note.value = "";
    });
  }

  // Sending goes through one function, so the offline queue can take it over.
  window.checkinSend = window.checkinSend || function (record) {
    var token = document.querySelector('meta[name="csrf-token"]').content;
    return fetch("/api/v1/checkins", {method: "POST", credentials: "same-origin",
      // A refusal's sentence comes back in the page's language (the server's table).
      headers: {"Content-Type": "application/json", "X-CSRFToken": token,
                "Accept-Language": document.documentElement.lang || "zh-CN"},
      body: JSON.stringify(record)}).then(function (response) {
        return response.json().then(function (body) {
          return {ok: response.ok, body: body};
        });
      }, function () { return {ok: false, body: {error: {message: text.no_network}}}; });
  };

  locateButton.addEventListener("click", locate);
  sendButton.addEventListener("click", send);
})();
