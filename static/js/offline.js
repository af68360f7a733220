// The phone's outbox. Every check-in and visit is first written to IndexedDB with its photos,
// then sent; it leaves the phone only when the server has acknowledged it (2xx). A refusal
// (409 or another 4xx) stays, shown with the server's reason, until the cadre discards it;
// no network, 5xx, 429, an expired session: it waits and is sent again (on `online`, on
// opening the app, by "Send now", and on a timer). The client-made `id` makes each resend
// harmless: the server stores a record once. Also registers the service worker and shows
// the count of waiting records on every page.
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
  var DB_NAME = "checkin-outbox";
  var STORE = "records";
  var LIVE_GRACE_MS = 120000;  // a record being sent live by a page is left alone this long
  var SIGNED_OUT_KEY = "checkin-signed-out";
  var state = {sent: 0, signin: false, busy: false, retryMs: 15000, timer: null};

  // ---- IndexedDB, with promises -----------------------------------------------------------
  // Reading never creates the database (the sign-in page after a sign-out leaves none).
  var dbPromise = null;
  function openDb(create) {
    if (dbPromise) { return dbPromise; }
    var attempt = new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function (event) {
        if (!create && event.oldVersion === 0) { request.transaction.abort(); return; }
        request.result.createObjectStore(STORE, {keyPath: "id"});
      };
      request.onsuccess = function () {
        var db = request.result;
        db.onversionchange = function () { db.close(); dbPromise = null; };
        resolve(db);
      };
      request.onerror = function (event) {
        if (event && event.preventDefault) { event.preventDefault(); }
        reject(request.error || new Error("no outbox yet"));
      };
      request.onblocked = function () { reject(new Error("IndexedDB blocked")); };
    });
    dbPromise = attempt;
    attempt.catch(function () { if (dbPromise === attempt) { dbPromise = null; } });
    return attempt;
  }
  function tx(mode, work) {
    var create = mode === "readwrite";
    return openDb(create).catch(function (error) {
      if (!create) { throw error; }
      return openDb(true);
    }).then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error || new Error("aborted")); };
      });
    });
  }
  var store = {
    put: function (record) { return tx("readwrite", function (s) { return s.put(record); }); },
    remove: function (id) { return tx("readwrite", function (s) { return s.delete(id); }); },
    all: function () {
      return tx("readonly", function (s) { return s.getAll(); }).catch(function () { return []; });
    }
  };

  // ---- Talking to the server ----------------------------------------------------------------
  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // A page saved on the phone may carry an old CSRF token: fetch a fresh one from the server.
  function refreshToken() {
    return fetch(config.token_page, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var found = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
        var meta = document.querySelector('meta[name="csrf-token"]');
        if (found && meta) { meta.content = found[1]; }
      }, function () {});
  }

  function post(kind, body, files, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      var data;
      xhr.open("POST", config.api[kind]);
      xhr.setRequestHeader("X-CSRFToken", token());
      xhr.timeout = kind === "visit" ? 300000 : 60000;
      if (kind === "visit") {
        data = new FormData();
        data.append("visit", JSON.stringify(body));
        (files || []).forEach(function (f) { data.append("photos", f.blob, f.name); });
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

  function verdict(outcome) {
    var s = outcome.status;
    var code = outcome.body && outcome.body.error && outcome.body.error.code;
    if (s >= 200 && s < 300) { return "ack"; }
    if (s === 0 || s >= 500 || s === 408 || s === 429) { return "later"; }
    if (s === 401) { return "signin"; }
    if (s === 400 && code === "csrf_failed") { return "csrf"; }
    if (s === 409) { return "conflict"; }
    return "refused";
  }

  function sendBody(record, body, onProgress) {
    return post(record.kind, body, record.files, onProgress).then(function (outcome) {
      if (verdict(outcome) !== "csrf") { return outcome; }
      return refreshToken().then(function () {
        return post(record.kind, body, record.files, onProgress);
      });
    });
  }

  // The outbox sends `body` (marked queued). If a live attempt was made and its answer lost,
  // the server may hold that copy instead: a 409 then means "already there", so that copy is
  // sent again, which the server answers with the stored record.
  function deliver(record) {
    return sendBody(record, record.body).then(function (outcome) {
      if (verdict(outcome) !== "conflict" || !record.live_body) { return outcome; }
      return sendBody(record, record.live_body).then(function (second) {
        return verdict(second) === "ack" ? second : outcome;
      });
    });
  }

  function message(outcome) {
    var error = outcome.body && outcome.body.error;
    return (error && error.message) || (text.status + " " + outcome.status);
  }

  function settle(record, outcome) {
    var v = verdict(outcome);
    if (v === "ack") { return store.remove(record.id).then(function () { return v; }); }
    record.tries = (record.tries || 0) + 1;
    record.last_try = new Date().toISOString();
    if (v === "refused" || v === "conflict") {
      record.state = "refused";
      record.error = {status: outcome.status, message: message(outcome),
                      code: (outcome.body.error && outcome.body.error.code) || ""};
    } else {
      record.state = "pending";
    }
    return store.put(record).then(function () { return v; });
  }

  // ---- Making a record (the hooks the check-in page and the visit form call) -------------------
  function submit(kind, payload, files, onProgress, label) {
    var online = navigator.onLine !== false;
    var record = {id: payload.id, kind: kind, user: config.user, made_at: new Date().toISOString(),
                  label: label || "", files: files || [], tries: 0,
                  body: Object.assign({}, payload, {queued: true}),
                  live_body: online ? payload : null, state: online ? "live" : "pending"};
    return store.put(record).then(function () {
      refresh();
      if (!online) { return {queued: true}; }
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
      return post(kind, payload, files, onProgress).then(function (outcome) {
        return {ok: verdict(outcome) === "ack", status: outcome.status, body: outcome.body};
      });
    });
  }

  if (config.user && config.role === "cadre") {
    window.checkinSend = function (checkin) {
      return submit("checkin", checkin, [], null, "");
    };
    window.visitSend = function (visit, files, onProgress) {
      var form = document.getElementById("visit-form");
      var items = (files || []).map(function (f, i) {
        return {blob: f, name: f.name || "photo-" + (i + 1) + ".jpg"};
      });
      return submit("visit", visit, items, onProgress, form ? form.dataset.label || "" : "");
    };
  }

  // ---- Sending what waits ---------------------------------------------------------------------
  function due(record) {
    if (record.user !== config.user) { return false; }
    if (record.state === "pending") { return true; }
    return record.state === "live" && Date.now() - Date.parse(record.made_at) > LIVE_GRACE_MS;
  }

  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(sync, state.retryMs);
    state.retryMs = Math.min(state.retryMs * 2, 300000);
  }

  // The signed-in account's id, "signin" when the session has ended, null without an answer.
  function whoAmI() {
    return fetch(config.api.me, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (response.status === 401) { return "signin"; }
        return response.ok ? response.json().then(function (me) { return me.id; }) : null;
      }).catch(function () { return null; });
  }

  var running = null;
  function sync() {
    if (running) { return running; }
    if (!config.user || navigator.onLine === false) { return refresh(); }
    state.busy = true;
    refresh();
    function run() {
      var queue = [];
      return store.all().then(function (records) {
        queue = records.filter(due).sort(function (a, b) { return a.made_at < b.made_at ? -1 : 1; });
        return queue.length ? whoAmI() : config.user;
      }).then(function (me) {
        // Only the account that made a record may send it (a page saved on the phone could
        // belong to someone who has since signed in as another account), and nothing is
        // uploaded before the server has answered who is signed in.
        if (!queue.length) { return null; }
        if (me === null) { schedule(); return null; }
        if (me === "signin") { state.signin = true; return null; }
        if (me !== config.user) { return null; }
        state.signin = false;
        var stop = false;
        var waiting = false;
        function next() {
          var record = queue.shift();
          if (!record || stop) { return Promise.resolve(); }
          return deliver(record).then(function (outcome) {
            return settle(record, outcome);
          }).then(function (v) {
            if (v === "ack") { state.sent += 1; state.signin = false; state.retryMs = 15000; }
            if (v === "signin") { state.signin = true; stop = true; }
            // No network or a server in trouble: the rest waits too (photos are costly).
            if (v === "later" || v === "csrf") { waiting = true; stop = true; }
            return next();
          });
        }
        return next().then(function () {
          if ((waiting || queue.length) && !state.signin) { schedule(); }
        });
      });
    }
    var work = navigator.locks && navigator.locks.request ?
      navigator.locks.request("checkin-outbox", run) : run();
    running = work.catch(function () {}).then(function () {
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
    var parts = [record.kind === "visit" ? text.visit : text.checkin];
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
    return store.all().then(render, function () {});
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
          if (n && !window.confirm((n === 1 ? text.signout_one : text.signout_many)
                                   .replace("{n}", n))) { return; }
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
      jobs.push(openDb(false).then(function (db) { db.close(); dbPromise = null; }, function () {})
        .then(function () {
          return new Promise(function (resolve) {
            var request = indexedDB.deleteDatabase(DB_NAME);
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

  if (config.sw && navigator.serviceWorker) {
    navigator.serviceWorker.register(config.sw, {scope: "/"}).then(function () {
      return navigator.serviceWorker.ready;
    }).then(warm).catch(function () {});
  }

  refresh();
  sync();
})();
