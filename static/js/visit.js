// The visit form: position at the moment of saving, photos, upload with progress, sent once.
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  if (!form) { return; }
  var text = JSON.parse(document.getElementById("visit-text").textContent);
  var positionBox = document.getElementById("position");
  var result = document.getElementById("visit-result");
  var bar = document.getElementById("upload-progress");
  var relocateButton = document.getElementById("relocate");
  var maxAge = (+form.dataset.fixMaxAge || 120) * 1000;
  var maxAccuracy = +form.dataset.maxAccuracy || 500;
  var fix = null;       // {lat, lon, accuracy_m, at}: the latest fix
  var failure = null;   // why the latest attempt gave none: denied, no_fix, no_gps

  function sayPosition(message, kind) {
    positionBox.textContent = message;
    positionBox.className = "notice " + (kind || "");
  }

  // The fix with its age and accuracy, or the word for why there is none.
  function showPosition() {
    if (!fix) {
      if (failure) { sayPosition(text[failure], "bad"); }
      return;
    }
    var age = Date.now() - fix.at;
    var seconds = Math.max(0, Math.round(age / 1000));
    var line = seconds < 60 ? text.fix.replace("{s}", seconds) :
      text.fix_min.replace("{n}", Math.floor(seconds / 60));
    line = line.replace("{m}", Math.round(fix.accuracy_m));
    var kind = "ok";
    if (fix.accuracy_m > maxAccuracy) {
      line += " " + text.poor.replace("{m}", Math.round(fix.accuracy_m)).replace("{limit}", maxAccuracy);
      kind = "warn";
    }
    if (age > maxAge) {
      line += " " + text.old.replace("{n}", Math.round(maxAge / 60000));
      kind = "warn";
    }
    if (failure) { line = text[failure] + "\n" + line; kind = "warn"; }
    sayPosition(line, kind);
  }

  function locate(message) {
    sayPosition(message || text.locating, "");
    relocateButton.disabled = true;
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { failure = "no_gps"; resolve(); return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        fix = {lat: pos.coords.latitude, lon: pos.coords.longitude,
               accuracy_m: Math.round(pos.coords.accuracy), at: Date.now()};
        failure = null;
        resolve();
      }, function (err) {
        failure = err.code === 1 ? "denied" : "no_fix";
        resolve();
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 0});
    }).then(function () {
      relocateButton.disabled = false;
      showPosition();
    });
  }

  // The fix a save may use: taken within the policy's age.
  function freshFix() {
    return fix && Date.now() - fix.at <= maxAge ? fix : null;
  }

  function record(prepared, position) {
    var kind = form.querySelector('input[name="kind"]:checked').value;
    var visit = {id: window.newRecordId(), household_id: +form.dataset.household, kind: kind,
      purposes: Array.prototype.map.call(form.querySelectorAll('input[name="purposes"]:checked'), function (c) { return c.value; }),
      note: form.elements.note.value.trim(), recorded_at: new Date().toISOString()};
    if (position) {
      visit.lat = position.lat; visit.lon = position.lon; visit.accuracy_m = position.accuracy_m;
    }
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
      // A masked number (not the household's helper: checkin/domain/personal_data.py) is
      // shown, never dialled.
      if (found.phone && found.phone.indexOf("*") < 0) { phone.href = "tel:" + found.phone; }
      else { phone.removeAttribute("href"); }
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
    var inPerson = form.querySelector('input[name="kind"]:checked').value === "visit";
    if (inPerson && form.hasAttribute("data-photo-required") && !chosen.length) {
      result.hidden = false;
      result.className = "notice bad";
      result.textContent = text.need_photo;
      button.disabled = false;
      return;
    }
    // The position of a visit is where the cadre is when saving: taken again now.
    locate(text.retaking).then(function () {
      var position = freshFix();
      if (inPerson && !position) {
        result.hidden = false;
        result.className = "notice bad";
        result.textContent = text.need_fresh + " " + text[failure || "no_fix"];
        button.disabled = false;
        return;
      }
      if (inPerson && position.accuracy_m > maxAccuracy && !window.confirm(text.confirm_poor)) {
        button.disabled = false;
        return;
      }
      save(button, position);
    });
  });

  function save(button, position) {
    bar.hidden = false;
    var files = chosen.slice(0, most);
    result.hidden = false;
    result.className = "notice";
    result.textContent = files.length ? text.preparing : text.sending;
    var ready = files.length && window.checkinPhotos ? window.checkinPhotos.prepare(files) :
      Promise.resolve(files.map(function (f) { return {file: f, exif: null}; }));
    ready.then(function (prepared) {
      return window.visitSend(record(prepared, position), prepared.map(function (p) { return p.file; }),
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
        var flags = flagsOf(outcome.body);
        if (flags.length) { showFlags(outcome.body, flags); return; }
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
  }

  // What the server noted on the saved visit and its photos, each once, known words only.
  function flagsOf(body) {
    var seen = {};
    var all = (body.flags || []).slice();
    (body.photos || []).forEach(function (p) { all = all.concat(p.flags || []); });
    return all.filter(function (f) {
      if (seen[f] || !text.flags[f]) { return false; }
      seen[f] = true;
      return true;
    });
  }

  // Saved with notes: say each in plain words with what to do, and stay on the page.
  function showFlags(body, flags) {
    result.hidden = true;
    var list = document.getElementById("visit-flag-list");
    list.textContent = "";
    flags.forEach(function (f) {
      var li = document.createElement("li");
      li.dataset.flag = f;
      li.textContent = text.flags[f];
      list.appendChild(li);
    });
    document.getElementById("visit-open").href = text.visit_page.replace("VISIT_ID", body.id);
    document.getElementById("visit-flags").hidden = false;
  }

  // ---- The photos chosen: previews, each with a button to remove it; the limit (the
  // server's setting, given by the page) is said beside the field and kept here. ------------
  var input = form.elements.photos;
  var most = +input.dataset.most;
  var chosen = [];
  var previews = document.getElementById("photo-previews");
  var countNode = document.getElementById("photo-count");
  var photoNote = document.getElementById("photo-note");

  function renderPhotos() {
    Array.prototype.forEach.call(previews.querySelectorAll("img"), function (img) {
      URL.revokeObjectURL(img.src);
    });
    previews.textContent = "";
    chosen.forEach(function (file, i) {
      var li = document.createElement("li");
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = text.photo_n.replace("{n}", i + 1);
      li.appendChild(img);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "photo-remove";
      remove.textContent = text.remove;
      remove.setAttribute("aria-label", text.remove_n.replace("{n}", i + 1));
      remove.addEventListener("click", function () {
        chosen.splice(i, 1);
        photoNote.hidden = true;
        renderPhotos();
      });
      li.appendChild(remove);
      previews.appendChild(li);
    });
    previews.hidden = !chosen.length;
    countNode.textContent = text.count.replace("{n}", chosen.length).replace("{most}", most);
    input.disabled = chosen.length >= most;
  }

  // Chosen photos add to those already chosen, up to the limit; the rest are left out and
  // the cadre is told so.
  input.addEventListener("change", function () {
    var added = Array.prototype.slice.call(input.files || []);
    var room = Math.max(0, most - chosen.length);
    chosen = chosen.concat(added.slice(0, room));
    photoNote.textContent = added.length > room ? text.too_many : "";
    photoNote.hidden = added.length <= room;
    input.value = "";  // the same photo may be chosen again after removing it
    renderPhotos();
  });
  renderPhotos();

  relocateButton.addEventListener("click", function () { locate(); });
  window.setInterval(showPosition, 5000);
  locate();
})();
