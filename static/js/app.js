/* ALL'IN – small progressive enhancements. Every page works without this file; it only adds
   what a browser can do on top: focus on the error summary, Copy and Share for hand-over
   links, and closing the phone menu with Escape. Loaded with defer from base.html; no inline
   handlers, no third-party code, so the CSP (default-src 'self') allows it. */
(function () {
  "use strict";

  /* Error summary: move focus to it, so keyboard and screen-reader users hear what to fix.
     A link in it focuses its field (a plain #id link only scrolls). */
  function errorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      var label = document.querySelector("label[for='" + field.id + "']");
      (label || field).scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
  }

  /* Hand-over links: Copy (with a visible "Copied") and Share where the browser has it. */
  function say(box, text) {
    var status = box.querySelector(".handover__status");
    if (!status) return;
    status.textContent = "";
    // A fresh text node each time, so a second copy is announced again.
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function handover(box) {
    var copy = box.querySelector("[data-copy]");
    var share = box.querySelector("[data-share]");
    var status = box.querySelector(".handover__status");
    if (copy && navigator.clipboard && window.isSecureContext !== false) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        var link = document.getElementById(copy.getAttribute("data-copy")).textContent.trim();
        navigator.clipboard.writeText(link).then(
          function () { say(box, status.getAttribute("data-copied")); },
          function () { say(box, status.getAttribute("data-failed")); }
        );
      });
    }
    if (share && typeof navigator.share === "function") {
      share.hidden = false;
      share.addEventListener("click", function () {
        var link = document.getElementById(share.getAttribute("data-share")).textContent.trim();
        navigator.share({ title: share.getAttribute("data-share-title"), url: link })
          .catch(function () { /* the person closed the share sheet */ });
      });
    }
  }

  /* The phone menu (<details>): Escape closes it and returns focus to its button. */
  function menu() {
    document.querySelectorAll("details.menu-toggle").forEach(function (details) {
      details.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && details.open) {
          details.open = false;
          details.querySelector("summary").focus();
        }
      });
    });
  }

  /* A guide entry's Share (the phone's share sheet, else the link copied) and Print. */
  function entryTools(box) {
    var share = box.querySelector("[data-share-page]");
    var print = box.querySelector("[data-print-page]");
    var status = box.querySelector(".handover__status");
    var link = (document.querySelector("link[rel=canonical]") || {}).href || window.location.href;
    if (share && (typeof navigator.share === "function" || navigator.clipboard)) {
      share.hidden = false;
      share.addEventListener("click", function () {
        if (typeof navigator.share === "function") {
          navigator.share({ title: document.title, url: link })
            .catch(function () { /* the person closed the share sheet */ });
          return;
        }
        navigator.clipboard.writeText(link).then(
          function () { say(box, status.getAttribute("data-copied")); },
          function () { say(box, status.getAttribute("data-failed")); }
        );
      });
    }
    if (print && typeof window.print === "function") {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
  }

  errorSummary();
  document.querySelectorAll("[data-entry-tools]").forEach(entryTools);
  document.querySelectorAll("[data-handover]").forEach(handover);
  menu();
})();
