// Keeps what someone types in a long form (data-keep-text="key") in this tab's
// sessionStorage, so that an expired sign-in or a lost connection never loses it: after
// signing in again the form comes back with the text. A page that confirms the form was saved
// carries data-keep-text-clear="key ..." and the kept copy is dropped there.
// Kept text belongs to the person who typed it (<body data-keep-owner>): when someone else
// signs in in the same tab - a shared computer at the youth club - it is dropped unread.
(function () {
  "use strict";
  var owner = document.body.getAttribute("data-keep-owner");
  if (!owner) { return; }
  var ROOT = "allin-keep:";
  var PREFIX = ROOT + owner + ":";
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text")) && el.name;
    });
  }
  function store() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }
  var storage = store();
  if (!storage) { return; }
  for (var i = storage.length - 1; i >= 0; i--) {
    var name = storage.key(i);
    if (name && name.indexOf(ROOT) === 0 && name.indexOf(PREFIX) !== 0) { storage.removeItem(name); }
  }
  document.querySelectorAll("[data-keep-text-clear]").forEach(function (el) {
    el.getAttribute("data-keep-text-clear").split(" ").forEach(function (key) {
      if (key) { storage.removeItem(PREFIX + key); }
    });
  });
  document.querySelectorAll("form[data-keep-text]").forEach(function (form) {
    var key = PREFIX + form.getAttribute("data-keep-text");
    var kept = null;
    try { kept = JSON.parse(storage.getItem(key) || "null"); } catch (e) { kept = null; }
    if (kept) {
      var restored = false;
      fields(form).forEach(function (el) {
        if (!el.value && kept[el.name]) { el.value = kept[el.name]; restored = true; }
      });
      if (restored) {
        var note = document.createElement("p");
        note.className = "notice";
        note.setAttribute("role", "status");
        note.textContent = form.getAttribute("data-keep-text-restored") || "";
        if (note.textContent) { form.insertBefore(note, form.firstChild); }
      }
    }
    form.addEventListener("input", function () {
      var values = {};
      fields(form).forEach(function (el) { values[el.name] = el.value; });
      storage.setItem(key, JSON.stringify(values));
    });
  });
})();
