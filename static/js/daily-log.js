// The daily log page: the form goes through the phone's outbox (data-outbox, outbox-forms.js:
// kept on the phone, sent once to POST /api/v1/daily-logs by the id made for it, with or
// without signal). Here only the button that adds the day's records to the text.
(function () {
  "use strict";
  var form = document.getElementById("log-form");
  var addDraft = document.getElementById("log-add-draft");
  if (!form || !addDraft) { return; }
  var text = form.elements.text;
  addDraft.addEventListener("click", function () {
    var draft = document.getElementById("log-draft").textContent.trim();
    text.value = text.value.replace(/\s+$/, "") + (text.value.trim() ? "\n" : "") + draft + "\n";
    text.focus();
  });
}());
