/*
 * The sandbox's test 3-D Secure page. "Complete" or "Fail" is sent to the sandbox's
 * control API; then, in the Stripe.js modal, the embedding page is told by postMessage,
 * or, as a full-page redirect, the browser goes on to the shop's return_url with the
 * parameters Stripe appends.
 */
(function () {
  "use strict";

  var query = new URLSearchParams(window.location.search);
  var fragment = new URLSearchParams(window.location.hash.slice(1));
  var intent = query.get("intent") || "";
  var clientSecret = query.get("client_secret") || "";
  var returnUrl = query.get("return_url");
  var channel = fragment.get("channel");
  var parentOrigin = fragment.get("origin");
  var inModal = Boolean(channel && parentOrigin && window.parent !== window);
  var BASE = window.location.pathname.replace(/\/v3\/challenge$/, "");

  var buttons = [document.getElementById("complete"), document.getElementById("fail")];
  var status = document.getElementById("status");

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function redirectStatus(result) {
    if (result.redirect_status) return result.redirect_status;
    if (result.status === "processing") return "processing";
    return result.status === "succeeded" || result.status === "requires_capture" ? "succeeded" : "failed";
  }

  function webUrl(value) {
    try {
      var url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url : null;
    } catch (_invalid) {
      return null;
    }
  }

  function returnTo(result) {
    var url = webUrl(returnUrl);
    if (!url) {
      say("The return address of this payment is not a web address.", true);
      return;
    }
    var prefix = intent.indexOf("seti_") === 0 ? "setup_intent" : "payment_intent";
    url.searchParams.set(prefix, intent);
    url.searchParams.set(prefix + "_client_secret", clientSecret);
    url.searchParams.set("redirect_status", redirectStatus(result));
    // Only setting href is allowed on a cross-origin top window's location.
    window.top.location.href = url.href;
  }

  async function decide(outcome) {
    buttons.forEach(function (button) {
      button.disabled = true;
    });
    say("Authenticating\u2026");
    var response;
    var body = null;
    try {
      response = await fetch(BASE + "/_sandbox/authenticate", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ intent: intent, client_secret: clientSecret, outcome: outcome }),
        credentials: "omit",
      });
      body = await response.json().catch(function () {
        return null;
      });
    } catch (_failure) {
      response = null;
    }
    if (!response || !response.ok || !body) {
      var message = body && body.error && body.error.message;
      say(message || "This authentication could not be recorded. Please try again.", true);
      buttons.forEach(function (button) {
        button.disabled = false;
      });
      return;
    }
    if (inModal) {
      window.parent.postMessage(
        { channel: channel, type: "challenge-complete", outcome: outcome, status: body.status },
        parentOrigin
      );
    } else if (returnUrl) {
      returnTo(body);
    } else {
      say(outcome === "complete" ? "Authentication complete. You can close this page."
        : "Authentication failed. You can close this page.");
    }
  }

  if (!intent || !clientSecret) {
    say("This authentication link is incomplete.", true);
    buttons.forEach(function (button) {
      button.disabled = true;
    });
    return;
  }
  document.getElementById("complete").addEventListener("click", function () {
    decide("complete");
  });
  // Escape pressed in here closes the modal, as it does with focus on the page behind.
  if (inModal) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        window.parent.postMessage({ channel: channel, type: "challenge-escape" }, parentOrigin);
      }
    });
  }
  document.getElementById("fail").addEventListener("click", function () {
    decide("fail");
  });
})();
