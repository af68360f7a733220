// Orders "my households" by distance from the phone within mine/others and overdue/due/ok.
// Without signal, a search filters the list saved on the phone (the service worker answers
// /my/households?q= with the saved whole list, rendered for no search).
(function () {
  "use strict";
  var list = document.getElementById("households");
  if (!list) { return; }
  var text = JSON.parse(document.getElementById("households-text").textContent);
  var search = document.querySelector("form.filters");
  var box = search && search.elements.q;
  var none = null;

  // As the server searches: a part of the head's name or of the register code, any case.
  function filter(query) {
    var wanted = query.trim().toLowerCase();
    var shown = 0;
    Array.prototype.forEach.call(list.querySelectorAll("li[data-state]"), function (li) {
      var name = (li.querySelector("strong") || {}).textContent || "";
      var code = (li.querySelector(".code") || {}).textContent || "";
      var hit = !wanted || name.toLowerCase().indexOf(wanted) >= 0 ||
        code.toLowerCase().indexOf(wanted) >= 0;
      li.hidden = !hit;
      shown += hit ? 1 : 0;
    });
    if (!none) {
      none = document.createElement("li");
      none.id = "households-none";
      none.textContent = text.none;
      list.appendChild(none);
    }
    none.hidden = shown > 0;
    var note = document.getElementById("search-note");
    note.textContent = wanted ? text.saved_search.replace("{n}", shown) : "";
    note.hidden = !wanted;
  }

  if (search && box) {
    search.addEventListener("submit", function (event) {
      if (navigator.onLine !== false) { return; }
      event.preventDefault();
      filter(box.value);
      var url = new URL(window.location.href);
      if (box.value.trim()) { url.searchParams.set("q", box.value.trim()); }
      else { url.searchParams.delete("q"); }
      window.history.replaceState(null, "", url.href);
    });
    var asked = new URLSearchParams(window.location.search).get("q") || "";
    if (asked !== (list.dataset.query || "")) {  // the saved list, answering another search
      box.value = asked;
      filter(asked);
    }
  }
  if (!navigator.geolocation) { return; }
  var rank = {overdue: 0, due: 1, ok: 2, none: 3};
  function metres(lat1, lon1, lat2, lon2) {
    var r = 6371000, p = Math.PI / 180;
    var a = Math.sin((lat2 - lat1) * p / 2) * Math.sin((lat2 - lat1) * p / 2) +
      Math.cos(lat1 * p) * Math.cos(lat2 * p) * Math.sin((lon2 - lon1) * p / 2) * Math.sin((lon2 - lon1) * p / 2);
    return 2 * r * Math.asin(Math.sqrt(a));
  }
  navigator.geolocation.getCurrentPosition(function (pos) {
    var items = Array.prototype.slice.call(list.querySelectorAll("li[data-state]"));
    items.forEach(function (li) {
      if (li.dataset.lat) {
        var d = metres(pos.coords.latitude, pos.coords.longitude, +li.dataset.lat, +li.dataset.lon);
        li.dataset.distance = d;
        li.querySelector(".distance").textContent = " · " + text.m.replace("{m}", Math.round(d));
      }
    });
    items.sort(function (a, b) {
      return (b.dataset.mine - a.dataset.mine) || (rank[a.dataset.state] - rank[b.dataset.state]) ||
        ((a.dataset.distance ? +a.dataset.distance : 1e12) - (b.dataset.distance ? +b.dataset.distance : 1e12));
    });
    items.forEach(function (li) { list.appendChild(li); });
    document.getElementById("distance-note").hidden = false;
  }, function () {}, {enableHighAccuracy: false, timeout: 10000, maximumAge: 300000});
})();
