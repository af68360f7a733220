// The training sign-in page: the code from the QR on the organiser's screen is in the
// page; get a fix and send both at once (live only: the code expires within minutes).
(function () {
  "use strict";
  var root = document.getElementById("training-signin");
  var button = document.getElementById("training-send");
  if (!root || !button) { return; }
  var text = JSON.parse(document.getElementById("training-text").textContent);
  var box = document.getElementById("training-result");

  function say(message, kind) {
    box.textContent = message;
    box.className = "notice " + (kind || "");
    box.hidden = false;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ crypto.getRandomValues(new Uint8Array(1))[0] & 15 >> c / 4).toString(16);
    });
  }

  function send(position) {
    say(text.sending);
    var token = document.querySelector('meta[name="csrf-token"]').content;
    var body = {id: uuid(), token: root.dataset.token, lat: position.coords.latitude,
                lon: position.coords.longitude, accuracy_m: position.coords.accuracy,
                recorded_at: new Date().toISOString()};
    fetch(root.dataset.url, {method: "POST", credentials: "same-origin",
      body: JSON.stringify(body),
      headers: {"Content-Type": "application/json", "X-CSRFToken": token}})
      .then(function (response) {
        return response.json().then(function (answer) { return {status: response.status, answer: answer}; });
      })
      .then(function (r) {
        button.disabled = false;
        if (r.status >= 400) { say(r.answer.error.message, "bad"); return; }
        if (r.answer.counts) { say(text.counts, "ok"); button.hidden = true; return; }
        var why = r.answer.reasons.map(function (x) { return x.message; }).join(", ");
        say(text.not_counts.replace("{why}", why), "warn");
      })
      .catch(function () { button.disabled = false; say(text.no_network, "bad"); });
  }

  button.addEventListener("click", function () {
    if (!navigator.geolocation) { say(text.no_gps, "bad"); return; }
    button.disabled = true;
    say(text.locating);
    navigator.geolocation.getCurrentPosition(send, function (error) {
      button.disabled = false;
      say(error.code === 1 ? text.denied : text.failed, "bad");
    }, {enableHighAccuracy: true, timeout: 30000, maximumAge: 0});
  });
})();
