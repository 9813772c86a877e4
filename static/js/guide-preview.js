// Live preview for guide entries: after a pause in typing, the text is sent to the server,
// which renders and sanitises it exactly as for readers, and the result replaces the preview.
// Without JavaScript the form's "Preview" button does the same with a full page.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  if (!form || !window.fetch) { return; }
  var body = form.querySelector("textarea[name=body]");
  var target = document.getElementById("guide-preview");
  var token = form.querySelector("input[name=csrf_token]");
  if (!body || !target) { return; }
  var timer = null;
  var sent = 0;

  function refresh() {
    var number = ++sent;
    var data = new URLSearchParams();
    data.set("body", body.value);
    if (token) { data.set("csrf_token", token.value); }
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      // The server's answer is the sanitised rendering (allin/markdown.py), nothing else.
      if (number === sent) { target.innerHTML = html; }
    }).catch(function () { /* keep the last preview; the Preview button still works */ });
  }

  body.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
  if (body.value) { refresh(); }
}());
