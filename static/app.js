// Progressive enhancement only: every page works without this file.

// Copy buttons: data-copy names the element to copy; "<id>-status" (aria-live) says that it worked.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var id = button.getAttribute("data-copy");
  var field = document.getElementById(id);
  if (!field) return;
  var status = document.getElementById(id + "-status");
  var label = button.textContent;
  // An input's value, or the text of a <code> or <pre>.
  var text = "value" in field ? field.value : field.textContent.trim();
  var select = function () {
    if ("select" in field) { field.select(); return; }
    var range = document.createRange();
    range.selectNodeContents(field);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  };
  var say = function (message) { if (status) status.textContent = message; };
  var done = function () {
    button.textContent = "Copied";
    say("Copied to the clipboard.");
    setTimeout(function () { button.textContent = label; }, 2000);
  };
  var manual = function () { select(); say("Selected: press Ctrl+C (or Cmd+C) to copy."); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, manual);
  } else {
    select();
    try { if (document.execCommand("copy")) done(); else manual(); } catch (e) { manual(); }
  }
});

// A key shown once: until "I have saved it" is ticked, leaving the page asks first.
(function () {
  var box = document.querySelector("[data-key-saved]");
  if (!box) return;
  window.addEventListener("beforeunload", function (event) {
    if (box.checked) return;
    event.preventDefault();
    event.returnValue = "";
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href]");
    if (!link || box.checked || link.hasAttribute("download")) return;
    event.preventDefault();
    box.focus();
    var status = document.querySelector(".copy-status");
    if (status) status.textContent = "The key is shown only once: tick \u201cI have saved this key\u201d first.";
  });
})();

// The setup wizard waits for the first run: it asks now and then how many steps are done, and reloads when that
// changes (a reload by hand does the same without JavaScript).
(function () {
  var waiting = document.querySelector("[data-setup-poll]");
  if (!waiting || !window.fetch) return;
  var known = waiting.getAttribute("data-setup-poll");
  var delay = 5000;
  var poll = function () {
    if (document.hidden) { setTimeout(poll, delay); return; }
    fetch("/dashboard/setup/progress", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && String(body.steps_done) !== known) { window.location.reload(); return; }
        delay = Math.min(delay * 1.2, 30000);
        setTimeout(poll, delay);
      })
      .catch(function () { setTimeout(poll, 30000); });
  };
  setTimeout(poll, delay);
})();

document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});

// "Send the link again" becomes available a minute after the first one; the page says so without JavaScript.
(function () {
  var button = document.querySelector("[data-enable-after]");
  if (!button) return;
  var seconds = parseInt(button.getAttribute("data-enable-after"), 10) || 0;
  setTimeout(function () {
    button.disabled = false;
    var hint = document.getElementById("resend-hint");
    if (hint) hint.textContent = "";
  }, seconds * 1000);
})();
