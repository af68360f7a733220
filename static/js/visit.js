// The visit form: position at the moment of saving, photos, upload with progress, sent once.
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  if (!form) { return; }
  var text = JSON.parse(document.getElementById("visit-text").textContent);
  var positionBox = document.getElementById("position");
  var result = document.getElementById("visit-result");
  var bar = document.getElementById("upload-progress");
  var fix = null;

  function locate() {
    if (!navigator.geolocation) { positionBox.textContent = text.no_position; return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      fix = {lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy_m: Math.round(pos.coords.accuracy)};
      positionBox.textContent = text.accuracy.replace("{m}", fix.accuracy_m);
      positionBox.className = "notice ok";
    }, function () {
      positionBox.textContent = text.no_position;
      positionBox.className = "notice warn";
    }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 0});
  }

  function record(prepared) {
    var kind = form.querySelector('input[name="kind"]:checked').value;
    var visit = {id: window.newRecordId(), household_id: +form.dataset.household, kind: kind,
      purposes: Array.prototype.map.call(form.querySelectorAll('input[name="purposes"]:checked'), function (c) { return c.value; }),
      note: form.elements.note.value.trim(), recorded_at: new Date().toISOString()};
    if (fix) { visit.lat = fix.lat; visit.lon = fix.lon; visit.accuracy_m = fix.accuracy_m; }
    if (prepared.length) {
      // What the phone read from each original: the shrunk copies carry no EXIF.
      visit.photo_exif = prepared.map(function (p) { return p.exif || null; });
    }
    if (form.dataset.corrects) {
      visit.corrects_id = form.dataset.corrects;
      visit.correction_reason = form.elements.correction_reason.value.trim();
    }
    return visit;
  }

  window.visitSend = window.visitSend || function (visit, files, onProgress) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("visit", JSON.stringify(visit));
      files.forEach(function (f) { data.append("photos", f, f.name || "photo.jpg"); });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/visits");
      xhr.setRequestHeader("X-CSRFToken", document.querySelector('meta[name="csrf-token"]').content);
      xhr.setRequestHeader("Accept-Language", document.documentElement.lang || "zh-CN");
      xhr.upload.addEventListener("progress", function (e) { if (e.lengthComputable) { onProgress(e.loaded / e.total); } });
      xhr.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (ignore) { body = {}; }
        resolve({ok: xhr.status < 300, status: xhr.status, body: body});
      });
      xhr.addEventListener("error", function () { resolve({ok: false, status: 0, body: {}}); });
      xhr.send(data);
    });
  };

  // Without signal the service worker may answer with the form saved for another household
  // (one form is kept, not one per household): the household of the address is the one
  // recorded, filled in from the household list saved on the phone, or none at all.
  function adoptHousehold(wanted) {
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    function refuse() {
      result.hidden = false;
      result.className = "notice bad";
      result.textContent = text.not_saved;
    }
    // The list saved on the phone is whole; from the network it comes a page at a time.
    function find(url, pages) {
      return fetch(url, {credentials: "same-origin"}).then(function (response) {
        return response.ok ? response.json() : {items: []};
      }).then(function (body) {
        var hit = (body.items || []).filter(function (h) { return String(h.id) === wanted; })[0];
        if (hit || !body.next_cursor || pages <= 1) { return hit; }
        var next = new URL(url, window.location.href);
        next.searchParams.set("cursor", body.next_cursor);
        return find(next.href, pages - 1);
      });
    }
    find(text.households, 40).then(function (found) {
      if (!found) { refuse(); return; }
      document.getElementById("hh-name").textContent = found.name;
      document.getElementById("hh-code").textContent = found.code || "";
      var status = document.getElementById("hh-status");
      status.textContent = text.statuses[found.status] || text.statuses.other;
      status.className = "tag tag-" + found.status;
      document.getElementById("hh-address").textContent = found.address || "";
      var phone = document.getElementById("hh-phone");
      phone.textContent = found.phone || "";
      phone.href = "tel:" + (found.phone || "");
      phone.hidden = !found.phone;
      form.dataset.household = String(found.id);
      form.dataset.label = found.name;
      button.disabled = false;
    }).catch(refuse);
  }

  var wanted = new URLSearchParams(window.location.search).get("household");
  if (wanted && wanted !== form.dataset.household && !form.dataset.corrects) {
    adoptHousehold(wanted);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    bar.hidden = false;
    var files = Array.prototype.slice.call(form.elements.photos.files || []);
    result.hidden = false;
    result.className = "notice";
    result.textContent = files.length ? text.preparing : text.sending;
    var ready = files.length && window.checkinPhotos ? window.checkinPhotos.prepare(files) :
      Promise.resolve(files.map(function (f) { return {file: f, exif: null}; }));
    ready.then(function (prepared) {
      return window.visitSend(record(prepared), prepared.map(function (p) { return p.file; }),
        function (share) {
          bar.value = Math.round(share * 100);
          result.hidden = false;
          result.textContent = text.uploading.replace("{p}", Math.round(share * 100));
        });
    }).then(function (outcome) {
      result.hidden = false;
      if (outcome.queued) {
        result.textContent = text.queued;
        result.className = "notice warn";
        window.setTimeout(function () { window.location.href = text.back; }, 1500);
        return;
      }
      if (outcome.ok) {
        result.className = "notice ok";
        result.textContent = text.saved;
        window.setTimeout(function () { window.location.href = text.back; }, 800);
        return;
      }
      button.disabled = false;
      result.className = "notice bad";
      result.textContent = text.failed + " " + ((outcome.body.error && outcome.body.error.message) || outcome.status);
    }).catch(function (error) {
      button.disabled = false;
      result.className = "notice bad";
      result.textContent = text.failed + " " + error;
    });
  });
  locate();
})();
