// Type-ahead for the filters of the supervisors' pages: an <input list> whose <datalist>
// is filled, as one types, from the small JSON list its data-typeahead URL answers
// (at most 20 villages or sending units), instead of a select of every village.
(function () {
  "use strict";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var asked = "";
    if (!list) return;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = input.value.trim();
        if (text === asked) return;
        asked = text;
        var url = new URL(input.dataset.typeahead, window.location.href);
        url.searchParams.set("q", text);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (rows) {
            if (asked !== text) return;
            list.replaceChildren.apply(list, rows.map(function (row) {
              var option = document.createElement("option");
              option.value = row.code;
              option.label = row.name;
              option.textContent = row.name;
              return option;
            }));
          })
          .catch(function () { /* no signal: typing the code still works */ });
      }, 200);
    });
  }
  document.querySelectorAll("input[data-typeahead]").forEach(attach);
})();
