// The signup proof-of-work (issue 9): find n below data-max with SHA-256(salt + n) = data-challenge, then enable the
// button. Only loaded while the challenge is on; the page says plainly why it cannot work without JavaScript.
(function () {
  var box = document.getElementById("signup-challenge");
  if (!box) return;
  var form = box.closest("form");
  var button = form.querySelector("button[type=submit]");
  var status = document.getElementById("challenge-status");
  var salt = box.getAttribute("data-salt");
  var target = box.getAttribute("data-challenge");
  var max = parseInt(box.getAttribute("data-max"), 10);
  var encoder = new TextEncoder();
  function hex(buffer) {
    var bytes = new Uint8Array(buffer), out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }
  if (!window.crypto || !window.crypto.subtle) {
    status.textContent = "Your browser cannot run the sign-up check here. Please try another browser, or come back in a few minutes.";
    return;
  }
  async function solve() {
    for (var n = 0; n <= max; n++) {
      var digest = await window.crypto.subtle.digest("SHA-256", encoder.encode(salt + n));
      if (hex(digest) === target) return n;
    }
    return -1;
  }
  solve().then(function (n) {
    if (n < 0) { status.textContent = "The sign-up check failed. Please reload the page."; return; }
    form.querySelector("input[name=challenge_number]").value = String(n);
    status.textContent = "Check done. You can create your account.";
    button.disabled = false;
  });
})();
