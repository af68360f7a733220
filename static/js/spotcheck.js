// Spot checks: the result form (position for field checks, satisfaction only when someone
// answered) and print buttons. Everything works without it, except adding the position.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var form = document.querySelector("form.sc-result");
  if (!form) { return; }
  var box = document.getElementById("position");
  var text = document.getElementById("position-text");
  var satisfaction = document.getElementById("satisfaction");
  function value(name) {
    var checked = form.querySelector("input[name='" + name + "']:checked");
    return checked ? checked.value : "";
  }
  function setPosition(lat, lon, accuracy) {
    form.elements.lat.value = lat;
    form.elements.lon.value = lon;
    form.elements.accuracy_m.value = accuracy;
  }
  function refresh() {
    var field = value("method") === "field";
    box.hidden = !field || !navigator.geolocation;
    if (!field) { setPosition("", "", ""); text.textContent = ""; }
    if (satisfaction) { satisfaction.hidden = value("outcome") === "unreachable"; }
  }
  form.addEventListener("change", refresh);
  document.getElementById("locate").addEventListener("click", function () {
    text.textContent = text.dataset.waiting;
    navigator.geolocation.getCurrentPosition(function (p) {
      setPosition(p.coords.latitude, p.coords.longitude, Math.round(p.coords.accuracy));
      text.textContent = text.dataset.found.replace("{m}", Math.round(p.coords.accuracy));
    }, function () {
      text.textContent = text.dataset.failed;
    }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
  });
  refresh();
})();
