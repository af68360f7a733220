// Orders "my households" by distance from the phone within mine/others and overdue/due/ok.
(function () {
  "use strict";
  var list = document.getElementById("households");
  if (!list || !navigator.geolocation) { return; }
  var text = JSON.parse(document.getElementById("households-text").textContent);
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
