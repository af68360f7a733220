// The check-in page: get a high-accuracy fix, show it, let the cadre retry, then send it once.
(function () {
  "use strict";
  var root = document.getElementById("checkin");
  if (!root) { return; }
  var text = JSON.parse(document.getElementById("checkin-text").textContent);
  var locateButton = document.getElementById("locate");
  var sendButton = document.getElementById("send");
  var fixBox = document.getElementById("fix");
  var resultBox = document.getElementById("result");
  var note = document.getElementById("note");
  var fix = null;

  function say(box, message, kind) {
    box.textContent = message;
    box.className = "notice " + (kind || "");
    box.hidden = false;
  }

  function locate() {
    if (!navigator.geolocation) { say(fixBox, text.no_gps, "bad"); return; }
    say(fixBox, text.locating, "");
    locateButton.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      fix = {lat: pos.coords.latitude, lon: pos.coords.longitude,
             accuracy_m: Math.round(pos.coords.accuracy * 10) / 10,
             recorded_at: new Date(pos.timestamp || Date.now()).toISOString()};
      var good = fix.accuracy_m <= root.dataset.maxAccuracy;
      say(fixBox, text.accuracy.replace("{m}", Math.round(fix.accuracy_m)) +
          (good ? "" : " " + text.too_coarse.replace("{limit}", root.dataset.maxAccuracy)),
          good ? "ok" : "warn");
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
    var record = {id: window.newRecordId(), lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy_m,
                  recorded_at: fix.recorded_at};
    if (note.value.trim()) { record.note = note.value.trim(); }
    sendButton.disabled = true;
    say(resultBox, text.sending, "");
    window.checkinSend(record).then(function (outcome) {
      if (outcome.queued) { say(resultBox, text.queued, "warn"); return; }
      var body = outcome.body;
      if (!outcome.ok) { say(resultBox, (body.error && body.error.message) || text.failed, "bad"); return; }
      var lines = [body.counts_for_day ? text.counts : text.not_counts,
                   text.distance.replace("{m}", Math.round(body.distance_m))];
      (body.reasons || []).forEach(function (r) { lines.push(r.message); });
      say(resultBox, lines.join("\n"), body.counts_for_day ? "ok" : "bad");
      if (body.offer_return) {  // on post during approved leave: offer to close it (销假)
        var close = document.createElement("a");
        close.href = "/my/leaves#leave-" + body.offer_return.leave_id;
        close.className = "button";
        close.textContent = text.offer_return;
        resultBox.appendChild(document.createElement("br"));
        resultBox.appendChild(close);
      }
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
