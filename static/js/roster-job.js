// Polls a roster import job: moves the progress bar, reloads the page when it has finished.
(function () {
  "use strict";
  var box = document.getElementById("roster-job");
  if (!box || !window.fetch) { return; }
  var status = box.getAttribute("data-status");
  if (status !== "queued" && status !== "running") { return; }
  var bar = document.getElementById("job-progress");
  function poll() {
    fetch(box.getAttribute("data-poll"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (bar) { bar.value = job.progress; }
        if (job.status === "done" || job.status === "failed") { window.location.reload(); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
