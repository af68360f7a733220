// Forms that send through the outbox (offline.js, outbox.js): what the cadre types is kept on
// the phone first and sent exactly once, by the id made here, with or without signal. A form
// joins with data attributes, no code of its own:
//
//   <form data-outbox="leave"                         the record's kind
//         data-outbox-url="/api/v1/leaves"            the JSON API it is sent to (POST)
//         data-outbox-fields='{"start": "start_date"}' form field -> API field (only these go)
//                                                     ("entries.0.status": nested lists)
//         data-outbox-title="Leave request"           what the outbox list calls it
//         data-outbox-label="{start_date}"            the record's line in the list (API names)
//         data-outbox-slot="leave"                    a later success replaces refused ones
//         data-outbox-done="Leave requested."         said when the server has it
//         data-outbox-keep>                           keep the typed text after sending
//
// A submit button with data-outbox-skip (finalising a report) submits the page as before;
// that, and any other form that posts, says it needs the network when there is none.
// Refusals come back in the page's language and are shown in the form, which keeps what was
// typed; a refusal heard later stays in the outbox, whose "Edit" puts it back in the form.
(function () {
  "use strict";
  var configNode = document.getElementById("offline-config");
  var text = configNode ? JSON.parse(configNode.textContent).text : {};
  var DONE_KEY = "checkin-outbox-done";

  function json(value, fallback) {
    try { return value ? JSON.parse(value) : fallback; } catch (ignore) { return fallback; }
  }

  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (_m, name) {
      return values[name] === undefined || values[name] === null ? "" : String(values[name]);
    });
  }

  function resultOf(form) {
    var node = form.querySelector("[data-outbox-result]");
    if (!node) {
      node = document.createElement("p");
      node.setAttribute("data-outbox-result", "");
      node.setAttribute("role", "status");
      node.setAttribute("aria-live", "polite");
      node.hidden = true;
      form.appendChild(node);
    }
    return node;
  }

  function say(form, message, kind) {
    var node = resultOf(form);
    node.textContent = message;
    node.className = "notice " + (kind || "");
    node.setAttribute("role", kind === "bad" ? "alert" : "status");
    node.hidden = !message;
  }

  // The form's values by form name, and the API body (mapped names) with the record's id.
  function read(form) {
    var map = json(form.dataset.outboxFields, {});
    var fields = {};
    var body = {id: window.newRecordId()};
    Object.keys(map).forEach(function (name) {
      var element = form.elements[name];
      if (!element) { return; }
      fields[name] = element.value;
      put(body, map[name], typeof element.value === "string" ? element.value.trim() : element.value);
    });
    return {fields: fields, body: body};
  }

  // An API name with dots ("entries.0.status") puts the value into nested arrays and
  // objects: a form of one field per line of a list sends the list.
  function put(body, path, value) {
    var parts = String(path).split(".");
    var node = body;
    for (var i = 0; i < parts.length - 1; i++) {
      if (node[parts[i]] === undefined) { node[parts[i]] = /^\d+$/.test(parts[i + 1]) ? [] : {}; }
      node = node[parts[i]];
    }
    node[parts[parts.length - 1]] = value;
  }

  // The first required field left empty, named by its label (the server says the rest).
  function missing(form) {
    var map = json(form.dataset.outboxFields, {});
    var names = Object.keys(map);
    for (var i = 0; i < names.length; i++) {
      var element = form.elements[names[i]];
      if (element && element.required && !String(element.value || "").trim()) {
        var label = element.closest("label");
        var word = label && label.querySelector("span") ? label.querySelector("span").textContent : names[i];
        return {element: element, word: word.trim()};
      }
    }
    return null;
  }

  function markInvalid(form, apiField) {
    var map = json(form.dataset.outboxFields, {});
    Object.keys(map).forEach(function (name) {
      // A group of radio buttons is a list of elements, each marked.
      var element = form.elements[name];
      var elements = !element ? [] : element.tagName ? [element] : Array.prototype.slice.call(element);
      elements.forEach(function (each) {
        if (map[name] === apiField) { each.setAttribute("aria-invalid", "true"); }
        else { each.removeAttribute("aria-invalid"); }
      });
    });
  }

  function slotOf(form, body) {
    return form.dataset.outboxSlot ? fill(form.dataset.outboxSlot, body) :
      form.dataset.outbox + ":" + form.dataset.outboxUrl;
  }

  function send(form, button) {
    var lacking = missing(form);
    if (lacking) {
      say(form, (text.form_missing || "{f}").replace("{f}", lacking.word), "bad");
      lacking.element.setAttribute("aria-invalid", "true");
      lacking.element.focus();
      return;
    }
    var made = read(form);
    if (button) { button.disabled = true; }
    say(form, text.sending, "");
    window.outboxSubmit(form.dataset.outbox, made.body, [], null,
                        fill(form.dataset.outboxLabel, made.body), {
      url: form.dataset.outboxUrl, slot: slotOf(form, made.body),
      title: form.dataset.outboxTitle || "", form: form.dataset.outbox, fields: made.fields
    }).then(function (outcome) {
      if (button) { button.disabled = false; }
      if (outcome.queued) {
        form.dataset.outboxRecord = made.body.id;
        say(form, text.form_queued, "warn");
        if (!form.hasAttribute("data-outbox-keep")) { form.reset(); }
        return;
      }
      if (outcome.ok) {
        markInvalid(form, null);
        say(form, form.dataset.outboxDone || text.sent.replace("{n}", 1), "ok");
        // The page shows the new state from the server; the sentence survives the reload.
        try { sessionStorage.setItem(DONE_KEY, form.dataset.outboxDone || ""); } catch (ignore) {}
        window.setTimeout(function () { window.location.reload(); }, 700);
        return;
      }
      var error = outcome.body && outcome.body.error;
      markInvalid(form, error && error.field);
      say(form, text.refused.replace("{m}", (error && error.message) || outcome.status), "bad");
    });
  }

  function join(form) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("data-outbox-skip")) {
        if (navigator.onLine === false) {
          event.preventDefault();
          say(form, text.needs_network, "bad");
        }
        return;
      }
      if (!window.outboxSubmit) { return; }  // not a cadre's page: the form posts as before
      event.preventDefault();
      send(form, submitter || form.querySelector('button[type="submit"]'));
    });
  }

  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-outbox]"));
  forms.forEach(join);

  // Any other form that posts (withdrawing a request, deciding): without signal it says it
  // needs the network instead of leaving for the browser's offline page.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (navigator.onLine !== false || form.hasAttribute("data-outbox") ||
        form.classList.contains("logout") || (form.method || "").toLowerCase() !== "post") {
      return;
    }
    event.preventDefault();
    say(form, text.needs_network, "bad");
  });

  // What the previous page load sent, said once after the reload.
  var done = null;
  try { done = sessionStorage.getItem(DONE_KEY); sessionStorage.removeItem(DONE_KEY); } catch (ignore) {}
  if (done) {
    var main = document.querySelector("main");
    var note = document.createElement("p");
    note.className = "notice ok outbox-done";
    note.setAttribute("role", "status");
    note.textContent = done;
    var config = document.getElementById("offline-config");
    if (main) { main.insertBefore(note, config ? config.nextSibling : main.firstChild); }
  }

  window.outboxForms = {
    // The outbox changed (offline.js): a form whose record was kept says what became of it.
    seen: function (records) {
      forms.forEach(function (form) {
        var id = form.dataset.outboxRecord;
        if (!id) { return; }
        var record = records.filter(function (r) { return r.id === id; })[0];
        if (record && record.state !== "refused") { return; }
        delete form.dataset.outboxRecord;
        if (record) {
          say(form, text.refused.replace("{m}", record.error ? record.error.message : ""), "bad");
        } else {
          say(form, form.dataset.outboxDone || text.sent.replace("{n}", 1), "ok");
        }
      });
    },
    // The form on this page a refused record was made with, if any.
    formFor: function (record) {
      return forms.filter(function (f) {
        return f.dataset.outbox === record.form && f.dataset.outboxUrl === record.url;
      })[0] || null;
    },
    // The refused record's values back in its form, to be corrected and sent again.
    putBack: function (form, record) {
      Object.keys(record.fields || {}).forEach(function (name) {
        if (form.elements[name]) { form.elements[name].value = record.fields[name]; }
      });
      markInvalid(form, record.error && record.error.field);
      say(form, text.refused.replace("{m}", record.error ? record.error.message : ""), "bad");
      form.scrollIntoView({block: "center"});
      var first = form.querySelector("[aria-invalid=true]") ||
        form.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    }
  };
})();
