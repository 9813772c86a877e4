// Roll call in the background: each tap posts its row's form with fetch and shows "saved" on
// the row. Taps that fail (no connection, server error) stay queued and are sent again – on a
// timer and when the browser comes back online – never dropped; one request per row at a time,
// so the last tap is the one that counts. While any tap waits for the connection a banner says
// how many. The name filter hides the rows that do not match as one types. Without JavaScript
// the same forms post normally and the filter is a search that reloads the page.
(function () {
  "use strict";
  var list = document.querySelector("[data-roll-call]");
  if (!list || !window.fetch || !window.FormData) return;
  var text = list.dataset;
  var rows = new Map();
  var timer = null;
  var delay = 1000;

  function show(form, message, state) {
    form.querySelector("[data-status]").textContent = message;
    form.parentNode.setAttribute("data-state", state);
    banner();
  }

  function press(form, value) {
    form.querySelectorAll("button[name=value]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.value === value));
    });
  }

  function recorded(form) {
    var pressed = form.querySelector("button[name=value][aria-pressed=true]");
    return pressed ? pressed.value : null;
  }

  function summary() {
    var target = document.querySelector("[data-roll-summary]");
    if (!target) return;
    var forms = list.querySelectorAll("form");
    var open = 0;
    forms.forEach(function (form) {
      if (!form.querySelector("button[aria-pressed=true]")) open += 1;
    });
    target.textContent = target.textContent.replace(/^\d+/, String(open));
  }

  function post(form, job) {
    var data = new FormData(form);
    data.set("value", job.value);
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(
        function (body) { return { response: response, body: body }; },
        function () { return { response: response, body: null }; }
      );
    }).then(function (result) {
      var status = result.response.status;
      if (result.response.ok && result.body && result.body.ok) return { outcome: "saved" };
      if (status >= 500 || status === 408 || status === 429) return { outcome: "failed" };
      // No answer of ours (a sign-in page after a time-out, an expired form): say what to do.
      var reason = (result.body && result.body.error) || text.reload;
      return { outcome: "refused", reason: reason };
    }, function () {
      return { outcome: "failed" };
    });
  }

  function pump(form) {
    var state = rows.get(form);
    if (!state || state.inflight || !state.pending) return;
    var job = state.pending;
    state.pending = null;
    state.inflight = true;
    show(form, text.saving, "saving");
    post(form, job).then(function (result) {
      state.inflight = false;
      if (result.outcome === "failed") {
        if (!state.pending) state.pending = job;
        show(form, text.failed, "failed");
        retryLater();
        return;
      }
      if (result.outcome === "refused") {
        // The row shows again what is really recorded, so nothing looks saved that is not.
        if (!state.pending) {
          press(form, state.saved);
          summary();
        }
        show(form, text.refused + " " + result.reason, "refused");
      } else {
        state.saved = job.value;
        if (!state.pending) {
          delay = 1000;
          show(form, text.saved.replace("{value}", job.label), "saved");
        }
      }
      pump(form);
    });
  }

  function banner() {
    var target = document.querySelector("[data-roll-banner]");
    if (!target) return;
    var waiting = 0;
    var failed = false;
    rows.forEach(function (state, form) {
      if (state.inflight || state.pending) waiting += 1;
      failed = failed || form.parentNode.getAttribute("data-state") === "failed";
    });
    target.hidden = !(failed && waiting);
    target.textContent = text.unsaved.replace("{count}", String(waiting));
  }

  function retryAll() {
    timer = null;
    rows.forEach(function (state, form) { pump(form); });
  }

  function retryLater() {
    if (timer) return;
    timer = window.setTimeout(retryAll, delay);
    delay = Math.min(delay * 2, 15000);
  }

  list.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || button.name !== "value") return;
    event.preventDefault();
    var form = event.target;
    var state = rows.get(form) || { inflight: false, pending: null, saved: recorded(form) };
    rows.set(form, state);
    state.pending = { value: button.value, label: button.textContent.trim() };
    press(form, button.value);
    summary();
    pump(form);
  });

  // Names are compared without case or accents ("Ase" finds "Åse" too).
  function folded(value) {
    return value.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/æ/g, "ae").replace(/ø/g, "o").replace(/å/g, "a");
  }

  var filter = document.querySelector("[data-roll-filter]");
  if (filter) {
    var none = document.querySelector("[data-roll-none]");
    var submit = document.querySelector("[data-roll-filter-submit]");
    if (submit) submit.hidden = true;  // filtered as one types
    filter.addEventListener("input", function () {
      var wanted = folded(filter.value.trim());
      var shown = 0;
      list.querySelectorAll(".roll-row").forEach(function (row) {
        var match = folded(row.dataset.name).indexOf(wanted) !== -1;
        row.hidden = !match;
        if (match) shown += 1;
      });
      if (none) none.hidden = shown > 0;
    });
    filter.form.addEventListener("submit", function (event) { event.preventDefault(); });
  }

  // Others mark people too (a second youth worker, ambassadors checking themselves in): every
  // 2 seconds the page asks what is recorded and shows it on each row that has no tap of its
  // own waiting. Without JavaScript the next load shows it.
  function refresh(values) {
    list.querySelectorAll(".roll-row__form").forEach(function (form) {
      var state = rows.get(form);
      if (state && (state.inflight || state.pending)) return;
      var id = form.parentNode.id.replace("row-", "");
      var value = values[id] || null;
      if (recorded(form) === value) return;
      press(form, value);
      if (state) state.saved = value;
      var button = value && form.querySelector("button[name=value][value=" + value + "]");
      var label = button ? button.querySelector(".roll-choice__full").textContent.trim() : "";
      form.querySelector("[data-status]").textContent =
        value ? text.recorded.replace("{value}", label) : text.unmarked;
    });
    summary();
  }

  if (list.dataset.poll) {
    window.setInterval(function () {
      fetch(list.dataset.poll, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(function (body) { refresh(body.values || {}); })
        .catch(function () { /* the next tick tries again */ });
    }, 2000);
  }

  window.addEventListener("online", retryAll);
  window.addEventListener("beforeunload", function (event) {
    var waiting = false;
    rows.forEach(function (state) { waiting = waiting || state.inflight || !!state.pending; });
    if (waiting) {
      event.preventDefault();
      event.returnValue = text.pending;
    }
  });
})();
