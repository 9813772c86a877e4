// The certificate's Print button: shown only where it works (the browser's own print
// dialogue also saves a PDF).
(function () {
  "use strict";
  var button = document.querySelector("[data-print]");
  if (!button || !window.print) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
