// The service worker, served at /sw.js (scope "/") with the placeholders filled in.
// It handles GET only: /static/ cache-first; pages network-first with the saved copy as the
// fallback; the household list from the API network-first; other API calls and every POST
// go straight to the network. The pages send the outbox's records while the app is open;
// when the browser fires the Background Sync they asked for (the signal is back, the app
// may be closed), this worker sends them with the same code (outbox.js).
"use strict";

importScripts("__OUTBOX__");
var API = "__API__";

var VERSION = "__VERSION__";
var PRECACHE = ["__PRECACHE__"];
var OFFLINE_PAGE = "__OFFLINE__";
// The visit form: one copy is kept for every household (visit.js fills in the household of
// the address from the saved household list), so the phone need not save one per household.
var FORM_PATH = "__FORM__";
var FORM_KEY = new URL(FORM_PATH, self.location.href).href;
// Pages searched with ?q=: without signal, the saved copy of the whole list answers a
// search and the page filters it itself (households.js), instead of "page not saved".
var SEARCHED = ["__SEARCHED__"];
var MATCH = {ignoreVary: true};
var STATIC_CACHE = "checkin-static-" + VERSION;
// Pages survive a new version: they are refreshed whenever they are fetched with signal.
var PAGE_CACHE = "checkin-pages-v1";
// GET API answers kept for use without signal (sign-out clears them with everything else).
var API_KEPT = ["/api/v1/households", "/api/v1/villages"];
// On a weak signal, a saved page is shown after this long; the network answer still renews it.
var PAGE_WAIT_MS = 6000;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC_CACHE).then(function (cache) {
    return cache.addAll(PRECACHE.map(function (url) {
      // A URL named by its content's digest (?v=) is the same file for good: taken from the
      // browser's cache when the page just loaded it. Anything else is revalidated with the
      // server (a 304 costs only headers), never taken stale.
      var named = /[?&]v=[0-9a-f]+/.test(url);
      return new Request(url, {cache: named ? "default" : "no-cache", credentials: "same-origin"});
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("checkin-") === 0 && name !== STATIC_CACHE && name !== PAGE_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function isPage(response) {
  var type = response.headers.get("Content-Type") || "";
  var control = response.headers.get("Cache-Control") || "";
  return response.status === 200 && response.type === "basic" && !response.redirected &&
    type.indexOf("text/html") === 0 && control.indexOf("no-store") < 0;
}

function isKeptApi(response) {
  var type = response.headers.get("Content-Type") || "";
  return response.status === 200 && response.type === "basic" && !response.redirected &&
    type.indexOf("application/json") === 0;
}

// Every page of an API list, following next_cursor (at most `pages` of them), as one answer.
function wholeList(url, pages) {
  var items = [];
  function more(pageUrl, left) {
    return fetch(pageUrl, {credentials: "same-origin"}).then(function (response) {
      if (!isKeptApi(response)) { return null; }
      return response.json().then(function (body) {
        items = items.concat(body.items || []);
        if (!body.next_cursor || left <= 1) { return {items: items, next_cursor: null}; }
        var next = new URL(pageUrl);
        next.searchParams.set("cursor", body.next_cursor);
        return more(next.href, left - 1);
      });
    });
  }
  return more(url, pages || 40);
}

// An API list is kept whole (see warm): one page of a longer list must not replace it.
function keepWholeList(key, response) {
  var copy = response.clone();
  return copy.json().then(function (body) {
    return body && body.next_cursor ? null : keep(PAGE_CACHE, key, response);
  }, function () { return null; });
}

function keep(cacheName, key, response) {
  var copy = response.clone();
  return caches.open(cacheName).then(function (cache) { return cache.put(key, copy); });
}

function offlineAnswer() {
  return caches.match(OFFLINE_PAGE, MATCH).then(function (page) {
    return page || new Response("No network.", {status: 503, headers: {"Content-Type": "text/plain"}});
  });
}

// A new visit form for one household (not a correction): any saved visit form will do.
function isNewVisitForm(url) {
  var params = new URL(url).searchParams;
  return new URL(url).pathname === FORM_PATH && params.has("household") && !params.has("corrects");
}

// The address of the whole list a search of a searched page filters, or null.
function searchedList(url) {
  var parsed = new URL(url);
  if (SEARCHED.indexOf(parsed.pathname) < 0 || !parsed.search) { return null; }
  return parsed.origin + parsed.pathname;
}

// Network first; the saved copy when the network fails, answers 5xx or is too slow.
function networkFirst(event, accept, waitMs) {
  var request = event.request;
  var key = request.url;
  var form = isNewVisitForm(key);
  var whole = searchedList(key);
  var saved = caches.match(key, MATCH).then(function (copy) {
    if (copy) { return copy; }
    if (form) { return caches.match(FORM_KEY, MATCH); }
    return whole ? caches.match(whole, MATCH) : undefined;
  });
  var network = fetch(request).then(function (response) {
    if (accept(response)) {
      event.waitUntil(accept === isKeptApi ? keepWholeList(key, response)
                                           : keep(PAGE_CACHE, key, response));
      if (form) { event.waitUntil(keep(PAGE_CACHE, FORM_KEY, response)); }
    }
    return response;
  });
  return new Promise(function (resolve, reject) {
    var done = false;
    function finish(response) { if (!done) { done = true; resolve(response); } }
    var timer = waitMs ? setTimeout(function () {
      saved.then(function (copy) { if (copy) { finish(copy); } });
    }, waitMs) : null;
    network.then(function (response) {
      clearTimeout(timer);
      if (response.status >= 500) {
        saved.then(function (copy) { finish(copy || response); });
      } else {
        finish(response);
      }
    }, function (error) {
      clearTimeout(timer);
      saved.then(function (copy) {
        if (copy) { finish(copy); return; }
        if (request.mode === "navigate") { offlineAnswer().then(finish); return; }
        if (!done) { done = true; reject(error); }
      });
    });
  });
}

function cacheFirst(event) {
  return caches.match(event.request, MATCH).then(function (copy) {
    if (copy) { return copy; }
    return fetch(event.request).then(function (response) {
      if (response.status === 200 && response.type === "basic") {
        event.waitUntil(keep(STATIC_CACHE, event.request, response));
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname === "/sw.js") { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(cacheFirst(event));
  } else if (API_KEPT.indexOf(url.pathname) >= 0) {
    event.respondWith(networkFirst(event, isKeptApi, 0));
  } else if (url.pathname.indexOf("/api/") === 0) {
    return;  // photos and everything else: the network only
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(event, isPage, PAGE_WAIT_MS));
  } else if (PRECACHE.indexOf(url.pathname) >= 0) {
    event.respondWith(networkFirst(event, function (r) { return r.status === 200; }, 0));
  }
});

// Save what the cadre needs without signal: the `pages` (fetched again each time), the
// household list `households` (every page of it, kept as one answer, so a village of any
// size is whole on the phone), and one visit form (`form` + the first household's id).
function warm(message) {
  function fetchPage(url, alsoAs) {
    var key = new URL(url, self.location.href).href;
    return fetch(key, {credentials: "same-origin"}).then(function (response) {
      if (!isPage(response)) { return null; }
      var jobs = [keep(PAGE_CACHE, key, response)];
      if (alsoAs) { jobs.push(keep(PAGE_CACHE, alsoAs, response)); }
      return Promise.all(jobs);
    }, function () { return null; });
  }
  function households() {
    if (!message.households) { return Promise.resolve(); }
    var key = new URL(message.households, self.location.href).href;
    return wholeList(key).then(function (body) {
      if (!body) { return null; }
      var whole = new Response(JSON.stringify(body),
                               {headers: {"Content-Type": "application/json"}});
      return caches.open(PAGE_CACHE).then(function (cache) { return cache.put(key, whole); })
        .then(function () {
          var first = body.items[0];
          return first && message.form ? fetchPage(message.form + first.id, FORM_KEY) : null;
        });
    }, function () { return null; });
  }
  return Promise.all((message.pages || []).map(function (url) { return fetchPage(url); })
    .concat([households()]));
}

self.addEventListener("message", function (event) {
  var message = event.data || {};
  var reply = event.ports && event.ports[0];
  var work = null;
  if (message.type === "warm") {
    work = warm(message);
  } else if (message.type === "clear") {
    work = caches.keys().then(function (names) {
      return Promise.all(names.map(function (name) { return caches.delete(name); }));
    });
  }
  if (work) {
    event.waitUntil(work.then(function () {
      if (reply) { reply.postMessage({type: message.type, done: true}); }
    }, function () {
      if (reply) { reply.postMessage({type: message.type, done: false}); }
    }));
  }
});

// Background Sync: send what waits in the outbox, as the signed-in account. A rejection
// makes the browser try again later (with backoff) while records still wait.
function sendOutbox() {
  var outbox = self.checkinOutbox;
  var csrf = "";
  var token = {
    get: function () { return csrf; },
    renew: function () {
      return outbox.fetchToken(API.token_page).then(function (fresh) { csrf = fresh || ""; });
    }
  };
  var post = outbox.fetchPost(API);
  var sent = 0;
  return token.renew().then(function () {
    return outbox.flush({
      me: API.me,
      send: function (record, body) { return outbox.sendWithToken(post, token, record, body); },
      onAck: function () { sent += 1; }
    });
  }).then(function (what) {
    var told = sent ? self.clients.matchAll({type: "window"}).then(function (pages) {
      pages.forEach(function (page) { page.postMessage({type: "outbox-sent", count: sent}); });
    }) : Promise.resolve();
    return told.then(function () {
      if (what === "waiting" || what === "unreachable") { throw new Error("still waiting"); }
    });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === self.checkinOutbox.syncTag) { event.waitUntil(sendOutbox()); }
});
