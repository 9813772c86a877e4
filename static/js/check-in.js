// The facilitator's check-in screen: every 2 seconds ask the server for the code of the moment
// (with its QR code, drawn on the server) and how many have checked in. Without JavaScript the
// page reloads itself when the code changes (a <noscript> refresh).
(function () {
  "use strict";
  var root = document.querySelector("[data-check-in]");
  if (!root || !window.fetch) return;
  var qr = root.querySelector("[data-check-in-qr]");
  var code = root.querySelector("[data-check-in-code]");
  var count = root.querySelector("[data-check-in-count]");
  var shown = code.textContent.trim();

  function update(body) {
    if (!body.open) return;
    if (body.spaced !== shown) {
      shown = body.spaced;
      code.textContent = body.spaced;
      // The server's own SVG (segno, path data only: see allin/handover.py).
      qr.innerHTML = body.qr;
    }
    var text = count.dataset.template
      .replace("{count}", String(body.checked_in))
      .replace("{total}", String(body.members))
      .replace("{marked}", String(body.marked));
    if (count.textContent !== text) count.textContent = text;
  }

  function poll() {
    fetch(root.dataset.stateUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    }).then(function (response) {
      // Signed out meanwhile (idle): show the sign-in page instead of a code nobody can use.
      if (response.redirected) window.location.reload();
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(update).catch(function () { /* try again at the next tick */ });
  }

  window.setInterval(poll, 2000);
})();
