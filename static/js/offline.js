// The phone's outbox on the pages (the records and their sending are in outbox.js, shared
// with the service worker). Every check-in and visit is first written to IndexedDB with its
// photos, then sent; it leaves the phone only when the server has acknowledged it (2xx). A
// refusal (409 or another 4xx) stays, shown with the server's reason, until the cadre
// discards it; no network, 5xx, 429, an expired session: it waits and is sent again (on
// `online`, on opening the app, by "Send now", on a timer, and by the service worker's
// Background Sync when the signal returns with the app closed). The client-made `id` makes
// each resend harmless: the server stores a record once. Also registers the service worker
// and shows the count of waiting records on every page.
(function () {
  "use strict";
  // The id a record is made with on the phone: sending it again is then harmless.
  window.newRecordId = function () {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  };
  var configNode = document.getElementById("offline-config");
  if (!configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var text = config.text;
  var outbox = self.checkinOutbox;
  var store = outbox.store;
  var verdict = outbox.verdict;
  var SIGNED_OUT_KEY = "checkin-signed-out";
  var state = {sent: 0, signin: false, busy: false, retryMs: 15000, timer: null};

  // ---- Talking to the server ----------------------------------------------------------------
  // A page saved on the phone may carry an old CSRF token: a fresh one comes from the server.
  var token = {
    get: function () {
      var meta = document.querySelector('meta[name="csrf-token"]');
      return meta ? meta.content : "";
    },
    renew: function () {
      return outbox.fetchToken(config.token_page).then(function (fresh) {
        var meta = document.querySelector('meta[name="csrf-token"]');
        if (fresh && meta) { meta.content = fresh; }
      });
    }
  };

  // Pages send with XMLHttpRequest, which reports the upload's progress.
  function post(record, body, onProgress, csrfToken) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      var data;
      var multipart = outbox.isMultipart(record);
      xhr.open("POST", outbox.urlOf(record, config.api));
      xhr.setRequestHeader("X-CSRFToken", csrfToken);
      // A refusal's sentence (shown in the outbox) comes back in the page's language.
      xhr.setRequestHeader("Accept-Language", record.lang || document.documentElement.lang || "zh-CN");
      xhr.timeout = multipart ? 300000 : 60000;
      if (multipart) {
        data = new FormData();
        data.append("visit", JSON.stringify(body));
        (record.files || []).forEach(function (f) { data.append("photos", f.blob, f.name); });
      } else {
        xhr.setRequestHeader("Content-Type", "application/json");
        data = JSON.stringify(body);
      }
      if (onProgress) {
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) { onProgress(e.loaded / e.total); }
        });
      }
      xhr.addEventListener("load", function () {
        var answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (ignore) { answer = {}; }
        resolve({status: xhr.status, body: answer});
      });
      function failed() { resolve({status: 0, body: {}}); }
      xhr.addEventListener("error", failed);
      xhr.addEventListener("timeout", failed);
      xhr.addEventListener("abort", failed);
      xhr.send(data);
    });
  }

  function sendBody(record, body, onProgress) {
    return outbox.sendWithToken(post, token, record, body, onProgress);
  }

  function settle(record, outcome) {
    return outbox.settle(record, outcome, text.status);
  }

  // The phone's own calendar day of a moment ("2026-06-15").
  function localDay(iso) {
    var d = iso ? new Date(iso) : new Date();
    return d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2) + "-" +
      ("0" + d.getDate()).slice(-2);
  }

  // ---- Making a record (the hooks the check-in page, the visit form and the forms call) -------
  // extra: {url, slot, title, form, fields} (see outbox.js and the forms below).
  function submit(kind, payload, files, onProgress, label, extra) {
    extra = extra || {};
    var online = navigator.onLine !== false;
    var record = {id: payload.id, kind: kind, user: config.user, made_at: new Date().toISOString(),
                  label: label || "", files: files || [], tries: 0,
                  url: extra.url || null, slot: extra.slot || "", title: extra.title || "",
                  form: extra.form || "", fields: extra.fields || null,
                  lang: document.documentElement.lang || "zh-CN",
                  body: Object.assign({}, payload, {queued: true}),
                  live_body: online ? payload : null, state: online ? "live" : "pending"};
    return store.put(record).then(function () {
      // Kept without signal: answered once the count on screen says so.
      if (!online) {
        askForBackgroundSync();
        return refresh().then(function () { return {queued: true}; });
      }
      refresh();
      return sendBody(record, payload, onProgress).then(function (outcome) {
        return settle(record, outcome).then(function (v) {
          refresh();
          if (v === "ack") { return {ok: true, status: outcome.status, body: outcome.body}; }
          if (v === "refused" || v === "conflict") {
            return {ok: false, status: outcome.status, body: outcome.body};
          }
          if (v === "signin") { state.signin = true; }
          schedule();
          return {queued: true};
        });
      });
    }, function () {
      // Nowhere to keep it on this phone (private window, storage full): send it now.
      return post(record, payload, onProgress, token.get()).then(function (outcome) {
        return {ok: verdict(outcome) === "ack", status: outcome.status, body: outcome.body};
      });
    });
  }

  // Cadres, and the supervisors who hold a duty over several villages (their check-ins).
  if (config.user && (config.role === "cadre" || config.rounds)) {
    window.checkinSend = function (checkin) {
      return submit("checkin", checkin, [], null, "",
                    {slot: "checkin:" + localDay(checkin.recorded_at)});
    };
    // A duty holder's check-in in one of their villages (巡村): one per village and day.
    window.roundCheckinSend = function (checkin) {
      return submit("round_checkin", checkin, [], null, "",
                    {url: config.api.round_checkin,
                     slot: "round:" + checkin.village_id + ":" + localDay(checkin.recorded_at)});
    };
    window.visitSend = function (visit, files, onProgress) {
      var form = document.getElementById("visit-form");
      var items = (files || []).map(function (f, i) {
        return {blob: f, name: f.name || "photo-" + (i + 1) + ".jpg"};
      });
      var slot = "visit:" + visit.household_id + (visit.corrects_id ? ":" + visit.corrects_id : "");
      return submit("visit", visit, items, onProgress, form ? form.dataset.label || "" : "",
                    {slot: slot});
    };
    window.outboxSubmit = submit;
  }

  // ---- Sending what waits ---------------------------------------------------------------------
  // Also asks the browser for a Background Sync: the service worker then sends what waits
  // when the signal comes back, even with the app closed.
  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(sync, state.retryMs);
    state.retryMs = Math.min(state.retryMs * 2, 300000);
    askForBackgroundSync();
  }

  function askForBackgroundSync() {
    if (!config.sw || !navigator.serviceWorker) { return; }
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) { return registration.sync.register(outbox.syncTag); }
    }).catch(function () {});
  }

  var running = null;
  function sync() {
    if (running) { return running; }
    if (!config.user || navigator.onLine === false) { return refresh(); }
    state.busy = true;
    refresh();
    running = outbox.flush({
      me: config.api.me, user: config.user, statusWord: text.status,
      send: function (record, body) { return sendBody(record, body); },
      onAck: function () { state.sent += 1; state.signin = false; state.retryMs = 15000; }
    }).then(function (what) {
      if (what === "signin") { state.signin = true; }
      if (what === "done" || what === "waiting") { state.signin = false; }
      if (what === "waiting" || what === "unreachable") { schedule(); }
    }).catch(function () {}).then(function () {
      running = null;
      state.busy = false;
      return refresh();
    });
    return running;
  }

  // ---- What the screen shows ------------------------------------------------------------------
  var box = document.getElementById("outbox");
  var countNode = document.getElementById("outbox-count");
  var noteNode = document.getElementById("outbox-note");
  var listNode = document.getElementById("outbox-list");
  var sendButton = document.getElementById("outbox-send");
  var lang = document.documentElement.lang || "zh-CN";

  function when(iso) {
    var moment = new Date(iso);
    try {
      return moment.toLocaleString(lang, {month: "2-digit", day: "2-digit", hour: "2-digit",
                                          minute: "2-digit"});
    } catch (ignore) { return moment.toISOString().slice(5, 16).replace("T", " "); }
  }

  function describe(record) {
    var parts = [record.title || text[record.kind] || record.kind];
    if (record.label) { parts.push(record.label); }
    parts.push(when(record.body.recorded_at || record.made_at));
    if (record.files && record.files.length) {
      parts.push(text.photos.replace("{n}", record.files.length));
    }
    return parts.join(" · ");
  }

  function item(record) {
    var li = document.createElement("li");
    li.className = "outbox-item outbox-" + record.state;
    li.dataset.id = record.id;
    var what = document.createElement("span");
    what.textContent = describe(record);
    li.appendChild(what);
    if (record.state === "refused") {
      var why = document.createElement("span");
      why.className = "outbox-why";
      why.textContent = text.refused.replace("{m}", record.error ? record.error.message : "");
      li.appendChild(why);
      var form = record.fields && window.outboxForms && window.outboxForms.formFor(record);
      if (form) {
        var edit = document.createElement("button");
        edit.type = "button";
        edit.className = "outbox-edit";
        edit.textContent = text.edit;
        edit.setAttribute("aria-label", text.edit + ": " + describe(record));
        edit.addEventListener("click", function () { window.outboxForms.putBack(form, record); });
        li.appendChild(edit);
      }
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "outbox-discard";
      discard.textContent = text.discard;
      discard.setAttribute("aria-label", text.discard + ": " + describe(record));
      discard.addEventListener("click", function () {
        if (window.confirm(text.confirm_discard)) { store.remove(record.id).then(refresh); }
      });
      li.appendChild(discard);
    } else {
      var tag = document.createElement("span");
      tag.className = "tag tag-warn";
      tag.textContent = text.waiting_tag;
      li.appendChild(tag);
    }
    return li;
  }

  function render(records) {
    if (!box) { return; }
    var refused = records.filter(function (r) { return r.state === "refused"; });
    var waiting = records.filter(function (r) { return r.state !== "refused"; });
    var mine = waiting.filter(function (r) { return r.user === config.user; });
    var others = waiting.length - mine.length;
    var offline = navigator.onLine === false;
    var line = waiting.length === 0 ? text.none : waiting.length === 1 ? text.one :
      text.many.replace("{n}", waiting.length);
    if (refused.length) { line += " " + text.n_refused.replace("{n}", refused.length); }
    if (offline) { line = text.offline + " " + line; }
    if (state.busy && mine.length) { line += " " + text.sending; }
    countNode.textContent = line;
    var notes = [];
    if (state.sent) { notes.push(text.sent.replace("{n}", state.sent)); }
    if (mine.length && state.signin) { notes.push(text.signin); }
    if (!config.user && waiting.length) { notes.push(text.signin); }
    if (config.user && others) { notes.push(text.other_user.replace("{n}", others)); }
    noteNode.textContent = notes.join(" ");
    noteNode.hidden = !notes.length;
    sendButton.hidden = !(config.user && mine.length);
    sendButton.disabled = offline || state.busy;
    listNode.textContent = "";
    records.slice().sort(function (a, b) { return a.made_at < b.made_at ? -1 : 1; })
      .forEach(function (r) { listNode.appendChild(item(r)); });
    listNode.hidden = !records.length;
    box.hidden = !(config.role === "cadre" || records.length);
    box.dataset.waiting = String(waiting.length);
    box.dataset.refused = String(refused.length);
    box.classList.toggle("outbox-has-waiting", waiting.length > 0);
    box.classList.toggle("outbox-has-refused", refused.length > 0);
  }

  function refresh() {
    return store.all().then(function (records) {
      render(records);
      if (window.outboxForms) { window.outboxForms.seen(records); }
    }, function () {});
  }

  if (sendButton) {
    sendButton.addEventListener("click", function () { state.retryMs = 15000; sync(); });
  }
  window.addEventListener("online", function () { state.retryMs = 15000; sync(); });
  window.addEventListener("offline", refresh);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { sync(); }
  });

  // ---- Signing out: warn about what would be lost; the server's Clear-Site-Data empties the
  // phone, and the sign-in page finishes the job where a browser ignores that header. --------
  var logout = document.querySelector("form.logout");
  if (logout) {
    logout.addEventListener("submit", function (event) {
      if (logout.dataset.confirmed) { return; }
      event.preventDefault();
      if (navigator.onLine === false) { window.alert(text.signout_offline); return; }
      store.all().then(function (records) { return records.length; }, function () { return 0; })
        .then(function (n) {
          // Always asked: the English switch sits next to it, and signing out also
          // deletes the pages saved for use without signal.
          var question = n ? (n === 1 ? text.signout_one : text.signout_many).replace("{n}", n) :
            text.signout_ask;
          if (!window.confirm(question)) { return; }
          logout.dataset.confirmed = "1";
          try { sessionStorage.setItem(SIGNED_OUT_KEY, String(Date.now())); } catch (ignore) {}
          logout.submit();
        });
    });
  }

  function forgetEverything() {
    var jobs = [];
    if (window.caches) {
      jobs.push(caches.keys().then(function (names) {
        return Promise.all(names.map(function (name) { return caches.delete(name); }));
      }));
    }
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
      jobs.push(navigator.serviceWorker.getRegistrations().then(function (all) {
        return Promise.all(all.map(function (r) { return r.unregister(); }));
      }));
    }
    if (window.indexedDB) {
      jobs.push(store.close().then(function () {
        return new Promise(function (resolve) {
          var request = indexedDB.deleteDatabase(store.name);
          request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
        });
      }));
    }
    try { localStorage.clear(); } catch (ignore) {}
    return Promise.all(jobs);
  }

  var signedOutAt = 0;
  try { signedOutAt = +(sessionStorage.getItem(SIGNED_OUT_KEY) || 0); } catch (ignore) {}
  if (signedOutAt) {
    try { sessionStorage.removeItem(SIGNED_OUT_KEY); } catch (ignore) {}
  }
  if (!config.user && signedOutAt && Date.now() - signedOutAt < 60000) {
    forgetEverything().then(refresh);
    return;
  }

  // ---- The service worker, and the pages it keeps for use without signal ----------------------
  function warm(registration) {
    var worker = registration && registration.active;
    if (!worker || !config.warm || navigator.onLine === false) { return; }
    var key = "checkin-warm-" + config.user;
    var last = 0;
    try { last = +(localStorage.getItem(key) || 0); } catch (ignore) {}
    if (Date.now() - last < config.warm.every_ms) {
      document.documentElement.dataset.warmed = "yes";
      return;
    }
    var channel = new MessageChannel();
    channel.port1.onmessage = function (event) {
      var done = event.data && event.data.done;
      if (done) { try { localStorage.setItem(key, String(Date.now())); } catch (ignore) {} }
      document.documentElement.dataset.warmed = done ? "yes" : "no";
    };
    worker.postMessage({type: "warm", pages: config.warm.pages, households: config.warm.households,
                        form: config.warm.form}, [channel.port2]);
  }

  // A page showing a one-time message was not saved (the server sends it no-store): save
  // this address again without it, so the copy shown without signal does not replay it.
  function resave(registration) {
    var worker = registration && registration.active;
    if (!worker || !document.querySelector("main .flash") || navigator.onLine === false) { return; }
    worker.postMessage({type: "warm", pages: [location.pathname + location.search]});
  }

  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "outbox-sent") { refresh(); }
    });
  }

  if (config.sw && navigator.serviceWorker) {
    navigator.serviceWorker.register(config.sw, {scope: "/"}).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      resave(registration);
      warm(registration);
    }).catch(function () {});
  }

  // The tabs are one row that scrolls sideways on a narrow phone: keep this page's in view.
  var currentTab = document.querySelector('.tabs [aria-current="page"]');
  if (currentTab) {
    var row = currentTab.parentElement;
    var right = currentTab.offsetLeft - row.offsetLeft + currentTab.offsetWidth;
    if (right > row.clientWidth) { row.scrollLeft = right - row.clientWidth + 8; }
  }

  refresh();
  sync();
})();
