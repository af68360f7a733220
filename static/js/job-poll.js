// Polls a background job (a roster import, an export) at the box's data-poll address: moves
// the progress bar, reloads the page when the job has finished.
(function () {
  "use strict";
  var box = document.querySelector("[data-poll]");
  if (!box || !window.fetch) { return; }
  var status = box.getAttribute("data-status");
  if (status !== "queued" && status !== "running") { return; }
  var bar = document.getElementById("job-progress");
  function poll() {
    fetch(box.getAttribute("data-poll"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (bar) { bar.value = job.progress; }
        var rows = document.getElementById("job-rows");
        if (rows && typeof job.rows === "number") { rows.textContent = job.rows; }
        if (job.status === "done" || job.status === "failed") { window.location.reload(); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
