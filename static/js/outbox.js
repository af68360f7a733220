// The outbox's records and how they are sent, shared by the pages (offline.js) and the
// service worker (sw.js, which sends them by Background Sync while the app is closed).
// No DOM here. A record leaves the phone only when the server has acknowledged it (2xx);
// its client-made `id` makes every resend harmless: the server stores a record once.
// A record: {id, kind, url (its API; else the API of its kind), body (JSON), files (photos,
// sent multipart), user, lang (of the page it was made on: refusals come back in it), slot
// (what a later success replaces), label, title, form and fields (to put it back in its
// form), state (live, pending, refused), made_at, tries, error}.
(function (scope) {
  "use strict";
  var DB_NAME = "checkin-outbox";
  var STORE = "records";
  var LIVE_GRACE_MS = 120000;  // a record being sent live by a page is left alone this long
  var SYNC_TAG = "checkin-outbox";

  // ---- IndexedDB, with promises -----------------------------------------------------------
  // Reading never creates the database (the sign-in page after a sign-out leaves none).
  var dbPromise = null;
  function openDb(create) {
    if (dbPromise) { return dbPromise; }
    var attempt = new Promise(function (resolve, reject) {
      if (!scope.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = scope.indexedDB.open(DB_NAME, 1);
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
    },
    // Let the database go (before it is deleted at sign-out).
    close: function () {
      return openDb(false).then(function (db) { db.close(); dbPromise = null; }, function () {});
    },
    name: DB_NAME
  };

  // ---- What an answer means -------------------------------------------------------------------
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

  // The CSRF token of a page of the app, fetched fresh (a saved page may carry an old one).
  function fetchToken(pageUrl) {
    return scope.fetch(pageUrl, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var found = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
        return found ? found[1] : null;
      }, function () { return null; });
  }

  // post(record, body, onProgress, csrfToken) -> {status, body}; token: {get, renew}.
  function sendWithToken(post, token, record, body, onProgress) {
    return post(record, body, onProgress, token.get()).then(function (outcome) {
      if (verdict(outcome) !== "csrf") { return outcome; }
      return token.renew().then(function () {
        return post(record, body, onProgress, token.get());
      });
    });
  }

  // Where a record goes: its own `url` (a form that joined the outbox), else the API of
  // its kind (check-ins and visits, and records kept before records had a url).
  function urlOf(record, urls) { return record.url || urls[record.kind]; }

  // A record with photos goes as multipart (its JSON in the `visit` part), the rest as JSON.
  function isMultipart(record) { return record.kind === "visit"; }

  // A POST by fetch (the service worker has no XMLHttpRequest; pages use it for progress).
  // The refusal's sentence comes back in the language of the page the record was made on.
  function fetchPost(urls) {
    return function (record, body, _onProgress, csrfToken) {
      var init = {method: "POST", credentials: "same-origin",
                  headers: {"X-CSRFToken": csrfToken, "Accept-Language": record.lang || "zh-CN"}};
      if (isMultipart(record)) {
        var data = new FormData();
        data.append("visit", JSON.stringify(body));
        (record.files || []).forEach(function (f) { data.append("photos", f.blob, f.name); });
        init.body = data;
      } else {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      var timer = null;
      if (scope.AbortController) {
        var controller = new AbortController();
        init.signal = controller.signal;
        timer = setTimeout(function () { controller.abort(); }, isMultipart(record) ? 300000 : 60000);
      }
      return scope.fetch(urlOf(record, urls), init).then(function (response) {
        return response.text().then(function (raw) {
          var answer = {};
          try { answer = JSON.parse(raw); } catch (ignore) { answer = {}; }
          return {status: response.status, body: answer};
        });
      }).catch(function () { return {status: 0, body: {}}; }).then(function (outcome) {
        clearTimeout(timer);
        return outcome;
      });
    };
  }

  // The outbox sends `body` (marked queued). If a live attempt was made and its answer lost,
  // the server may hold that copy instead: a 409 then means "already there", so that copy is
  // sent again, which the server answers with the stored record.
  function deliver(record, send) {
    return send(record, record.body).then(function (outcome) {
      if (verdict(outcome) !== "conflict" || !record.live_body) { return outcome; }
      return send(record, record.live_body).then(function (second) {
        return verdict(second) === "ack" ? second : outcome;
      });
    });
  }

  function message(outcome, fallback) {
    var error = outcome.body && outcome.body.error;
    return (error && error.message) || fallback + " " + outcome.status;
  }

  // A record acknowledged replaces the refused ones of its `slot` (the same day's check-in,
  // the same household's visit, the same form) refused before it was made: the cadre saw
  // the refusal, corrected and saved again, so the refused copy has nothing left to say.
  // One refused after it was made (both made offline) was not corrected by it, and stays.
  function replaceRefused(record) {
    if (!record.slot) { return Promise.resolve(); }
    return store.all().then(function (records) {
      return Promise.all(records.filter(function (r) {
        return r.id !== record.id && r.state === "refused" && r.slot === record.slot &&
          r.user === record.user && r.refused_at && r.refused_at <= record.made_at;
      }).map(function (r) { return store.remove(r.id); }));
    });
  }

  // Keep what the answer says: gone when acknowledged, refused with the server's reason,
  // else waiting for the next try. Resolves to the verdict.
  function settle(record, outcome, statusWord) {
    var v = verdict(outcome);
    if (v === "ack") {
      return store.remove(record.id).then(function () { return replaceRefused(record); })
        .then(function () { return v; });
    }
    record.tries = (record.tries || 0) + 1;
    record.last_try = new Date().toISOString();
    if (v === "refused" || v === "conflict") {
      record.state = "refused";
      record.refused_at = record.last_try;
      record.error = {status: outcome.status, message: message(outcome, statusWord || ""),
                      code: (outcome.body.error && outcome.body.error.code) || "",
                      field: (outcome.body.error && outcome.body.error.field) || ""};
    } else {
      record.state = "pending";
    }
    return store.put(record).then(function () { return v; });
  }

  function due(record, user) {
    if (record.user !== user) { return false; }
    if (record.state === "pending") { return true; }
    return record.state === "live" && Date.now() - Date.parse(record.made_at) > LIVE_GRACE_MS;
  }

  // The signed-in account's id, "signin" when the session has ended, null without an answer.
  function whoAmI(url) {
    return scope.fetch(url, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (response.status === 401) { return "signin"; }
        return response.ok ? response.json().then(function (me) { return me.id; }) : null;
      }).catch(function () { return null; });
  }

  // Send what is due, oldest first, one at a time, under a lock shared by every page and the
  // worker. options: {me: url, user: the account a page was opened for (the worker leaves it
  // out and sends for whoever is signed in), send(record, body), onAck(), statusWord}.
  // Resolves to what happened: "empty" (nothing due), "done", "waiting" (no network or a
  // server in trouble while sending), "unreachable" (no answer to who is signed in),
  // "signin" (the session has ended) or "other" (another account is signed in).
  function flush(options) {
    var forPage = options.user !== undefined;
    function run() {
      var queue = [];
      return store.all().then(function (records) {
        queue = records.filter(function (r) {
          return forPage ? due(r, options.user) : r.state === "pending" || r.state === "live";
        });
        return queue.length ? whoAmI(options.me) : null;
      }).then(function (me) {
        // Only the account that made a record may send it (a page saved on the phone could
        // belong to someone who has since signed in as another account), and nothing is
        // uploaded before the server has answered who is signed in.
        if (!queue.length) { return "empty"; }
        if (me === null) { return "unreachable"; }
        if (me === "signin") { return "signin"; }
        if (forPage && me !== options.user) { return "other"; }
        queue = queue.filter(function (r) { return due(r, me); })
          .sort(function (a, b) { return a.made_at < b.made_at ? -1 : 1; });
        function next() {
          var record = queue.shift();
          if (!record) { return Promise.resolve("done"); }
          return deliver(record, options.send).then(function (outcome) {
            return settle(record, outcome, options.statusWord || "HTTP");
          }).then(function (v) {
            if (v === "ack" && options.onAck) { options.onAck(); }
            if (v === "signin") { return "signin"; }
            // No network or a server in trouble: the rest waits too (photos are costly).
            if (v === "later" || v === "csrf") { return "waiting"; }
            return next();
          });
        }
        return next();
      });
    }
    var locks = scope.navigator && scope.navigator.locks;
    return locks && locks.request ? locks.request(SYNC_TAG, run) : run();
  }

  scope.checkinOutbox = {
    store: store, verdict: verdict, fetchToken: fetchToken, sendWithToken: sendWithToken,
    fetchPost: fetchPost, settle: settle, flush: flush, syncTag: SYNC_TAG, urlOf: urlOf,
    isMultipart: isMultipart
  };
})(self);
