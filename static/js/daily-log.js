// The daily log page: the form is sent to POST /api/v1/daily-logs as JSON with the id the
// phone made for it, so a resend of the same text is answered with the stored version
// (exactly once). The form is a plain one (data-record="daily-log"): without scripts it
// posts to the page itself; a shared outbox can take it over by that attribute.
(function () {
  "use strict";
  var form = document.getElementById("log-form");
  if (!form) { return; }
  var words = JSON.parse(document.getElementById("log-words").textContent);
  var result = document.getElementById("log-result");
  var save = document.getElementById("log-save");
  var text = form.elements.text;
  var sent = null;  // the text last sent under the form's id

  function say(message, kind) {
    result.textContent = message;
    result.className = "notice " + (kind || "");
    result.hidden = false;
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return null;  // keep the id the page was served with
  }

  var addDraft = document.getElementById("log-add-draft");
  if (addDraft) {
    addDraft.addEventListener("click", function () {
      var draft = document.getElementById("log-draft").textContent.trim();
      text.value = text.value.replace(/\s+$/, "") + (text.value.trim() ? "\n" : "") + draft + "\n";
      text.focus();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sent !== null && sent !== text.value) {  // another text: another record
      var fresh = newId();
      if (fresh) { form.elements.id.value = fresh; }
    }
    sent = text.value;
    var body = {id: form.elements.id.value, date: form.elements.date.value, text: text.value,
                supersedes: form.elements.supersedes.value || null};
    var token = document.querySelector('meta[name="csrf-token"]').content;
    save.disabled = true;
    fetch(form.dataset.api, {method: "POST", credentials: "same-origin",
                             headers: {"Content-Type": "application/json", "X-CSRFToken": token,
                                       "Accept": "application/json"},
                             body: JSON.stringify(body)})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (response.ok) {
            say(words.saved, "ok");
            window.location.assign(window.location.pathname + "?date=" + body.date);
            return;
          }
          save.disabled = false;
          var message = answer && answer.error && answer.error.message;
          say(message || words.failed, "bad");
          result.setAttribute("role", "alert");
        });
      })
      .catch(function () {
        save.disabled = false;
        say(words.offline, "bad");
      });
  });
}());
