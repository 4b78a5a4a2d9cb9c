/*
 * Stripe.js v3 stand-in, served by the offline Stripe sandbox at /v3/.
 *
 * It offers the part of Stripe.js a shop uses with the Payment Element: Stripe(pk),
 * elements() (with a client secret, or deferred with a mode), create("payment"),
 * elements.submit(), confirmPayment, confirmSetup, handleNextAction and the
 * retrieve*Intent helpers. Card details are typed into an iframe served by the
 * sandbox; that frame creates the PaymentMethod and confirms the intent itself, so
 * the card number never reaches the embedding page. The page and the frame talk by
 * postMessage, and both sides check the sender's origin and a per-element channel id.
 *
 * Plain script, no build step, no dependencies. The sandbox's address comes from this
 * script's own URL, so the same file works on any host and port.
 */
(function () {
  "use strict";

  if (window.Stripe && window.Stripe.isSandbox) {
    return; // loaded twice: keep the first copy and its state
  }

  var BASE = sandboxBase();
  var SANDBOX_ORIGIN = new URL(BASE).origin;
  var FRAME_TITLE = "Secure payment input frame";
  var AUTHENTICATION_FAILED =
    "We are unable to authenticate your payment method. " +
    "Please choose a different payment method and try again.";
  var SUCCESS_STATUSES = ["succeeded", "processing", "requires_capture"];
  var LOAD_TIMEOUT_MS = 20000;
  var MAX_CHALLENGES = 3;

  function sandboxBase() {
    var script = document.currentScript;
    var url = new URL(script && script.src ? script.src : window.location.href);
    var at = url.pathname.lastIndexOf("/v3");
    var path = at >= 0 ? url.pathname.slice(0, at) : "";
    return url.origin + path;
  }

  class IntegrationError extends Error {
    constructor(message) {
      super(message);
      this.name = "IntegrationError";
    }
  }

  function randomId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  // ---- talking to the sandbox API -------------------------------------------------

  function formEncode(value, prefix, pairs) {
    pairs = pairs || [];
    if (value === undefined || value === null) {
      return pairs;
    }
    if (Array.isArray(value)) {
      value.forEach(function (item, index) {
        formEncode(item, prefix + "[" + index + "]", pairs);
      });
    } else if (typeof value === "object") {
      Object.keys(value).forEach(function (key) {
        formEncode(value[key], prefix ? prefix + "[" + key + "]" : key, pairs);
      });
    } else {
      pairs.push(encodeURIComponent(prefix) + "=" + encodeURIComponent(String(value)));
    }
    return pairs;
  }

  // Resolves {data} or {error}, never rejects: Stripe.js reports API trouble as a result.
  async function callApi(stripe, method, path, params) {
    var url = BASE + path;
    var headers = { Authorization: "Bearer " + stripe._key };
    if (stripe._apiVersion) {
      headers["Stripe-Version"] = stripe._apiVersion;
    }
    var encoded = formEncode(params, "").join("&");
    var body;
    if (method === "GET") {
      url += encoded ? "?" + encoded : "";
    } else {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      body = encoded;
    }
    var response;
    try {
      response = await fetch(url, {
        method: method,
        headers: headers,
        body: body,
        mode: "cors",
        credentials: "omit",
      });
    } catch (_failure) {
      return { error: connectionError() };
    }
    var data = null;
    try {
      data = await response.json();
    } catch (_notJson) {
      data = null;
    }
    if (!response.ok || !data || data.error) {
      return { error: apiError(data && data.error) };
    }
    return { data: data };
  }

  function connectionError() {
    return {
      type: "api_connection_error",
      message: "We could not connect to the payment service. Check your connection and try again.",
    };
  }

  // Stripe.js hands the API's error body on as it is: type, code, decline_code,
  // message, param, payment_intent / setup_intent, ...
  function apiError(body) {
    var error = Object.assign({}, body || {});
    error.type = error.type || "api_error";
    error.message = error.message || "An unexpected error occurred.";
    return error;
  }

  function intentPath(kind, clientSecret) {
    var id = intentId(clientSecret);
    return (kind === "setup" ? "/v1/setup_intents/" : "/v1/payment_intents/") + id;
  }

  function intentId(clientSecret) {
    return String(clientSecret).split("_secret_")[0];
  }

  function checkClientSecret(kind, clientSecret, caller) {
    var pattern = kind === "setup" ? /^seti_.+_secret_.+$/ : /^pi_.+_secret_.+$/;
    if (typeof clientSecret !== "string" || !pattern.test(clientSecret)) {
      var shape = kind === "setup" ? "seti_..._secret_..." : "pi_..._secret_...";
      throw new IntegrationError(
        "Invalid value for " + caller + ": the client secret should look like " + shape +
          ". You specified: " + JSON.stringify(clientSecret) + "."
      );
    }
  }

  function retrieveIntent(stripe, kind, clientSecret) {
    return callApi(stripe, "GET", intentPath(kind, clientSecret), { client_secret: clientSecret });
  }

  // ---- what happens after a confirm ------------------------------------------------

  function resultKey(kind) {
    return kind === "setup" ? "setupIntent" : "paymentIntent";
  }

  function redirectStatus(intent) {
    if (intent.status === "processing") {
      return "processing";
    }
    return SUCCESS_STATUSES.indexOf(intent.status) >= 0 ? "succeeded" : "failed";
  }

  function returnUrlWithResult(kind, returnUrl, intent, clientSecret) {
    var url = new URL(returnUrl, window.location.href);
    var prefix = kind === "setup" ? "setup_intent" : "payment_intent";
    url.searchParams.set(prefix, intent.id);
    url.searchParams.set(prefix + "_client_secret", clientSecret);
    url.searchParams.set("redirect_status", redirectStatus(intent));
    return url.href;
  }

  function checkWebUrl(value, caller) {
    var url;
    try {
      url = new URL(value, window.location.href);
    } catch (_invalid) {
      url = null;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw new IntegrationError(caller + ": return_url must be an absolute http(s) URL.");
    }
  }

  // A navigation away from the page: the promise Stripe.js returned never settles.
  function navigate(url) {
    window.location.assign(url);
    return new Promise(function () {});
  }

  function intentError(kind, intent) {
    var last = (kind === "setup" ? intent.last_setup_error : intent.last_payment_error) || {};
    var error;
    if (/_authentication_failure$/.test(last.code || "")) {
      error = { type: "invalid_request_error", code: last.code, message: AUTHENTICATION_FAILED };
    } else {
      error = apiError(last);
    }
    error[kind === "setup" ? "setup_intent" : "payment_intent"] = intent;
    return error;
  }

  async function finishIntent(stripe, kind, intent, options) {
    for (var round = 0; ; round += 1) {
      if (intent.status === "requires_action") {
        var action = intent.next_action || {};
        if (action.type === "redirect_to_url") {
          return navigate(action.redirect_to_url.url);
        }
        if (action.type !== "use_stripe_sdk" || round >= MAX_CHALLENGES) {
          return { error: intentError(kind, authenticationFailedIntent(kind, intent)) };
        }
        await runChallenge(action.use_stripe_sdk.stripe_js, options.clientSecret);
        var refreshed = await retrieveIntent(stripe, kind, options.clientSecret);
        if (refreshed.error) {
          return { error: refreshed.error };
        }
        intent = refreshed.data;
        continue;
      }
      var failed =
        intent.status === "requires_payment_method" &&
        (intent.last_payment_error || intent.last_setup_error);
      if (failed) {
        return { error: intentError(kind, intent) };
      }
      if (options.redirect === "always" && SUCCESS_STATUSES.indexOf(intent.status) >= 0) {
        return navigate(returnUrlWithResult(kind, options.returnUrl, intent, options.clientSecret));
      }
      var result = {};
      result[resultKey(kind)] = intent;
      return result;
    }
  }

  function authenticationFailedIntent(kind, intent) {
    var copy = Object.assign({}, intent);
    var code = kind === "setup" ? "setup_intent_authentication_failure"
      : "payment_intent_authentication_failure";
    copy[kind === "setup" ? "last_setup_error" : "last_payment_error"] = { code: code };
    return copy;
  }

  // ---- the 3-D Secure modal ---------------------------------------------------------

  function runChallenge(challengeUrl, clientSecret) {
    return new Promise(function (resolve) {
      var url = new URL(challengeUrl);
      var challengeOrigin = url.origin;
      var channel = randomId();
      url.hash = new URLSearchParams({ channel: channel, origin: window.location.origin }).toString();

      var previousFocus = document.activeElement;
      var overlay = document.createElement("div");
      overlay.setAttribute("role", "dialog");
      overlay.setAttribute("aria-modal", "true");
      overlay.setAttribute("aria-label", "3D Secure authentication");
      Object.assign(overlay.style, {
        position: "fixed",
        inset: "0",
        zIndex: "2147483647",
        display: "flex",
        alignItems: "center",
        justifyContent: "center",
        background: "rgba(15, 23, 42, 0.55)",
      });
      var box = document.createElement("div");
      Object.assign(box.style, {
        position: "relative",
        width: "min(500px, 94vw)",
        height: "min(460px, 90vh)",
        background: "#ffffff",
        borderRadius: "10px",
        boxShadow: "0 20px 50px rgba(15, 23, 42, 0.35)",
        overflow: "hidden",
      });
      var close = document.createElement("button");
      close.type = "button";
      close.textContent = "\u00d7";
      close.setAttribute("aria-label", "Close authentication");
      Object.assign(close.style, {
        position: "absolute",
        top: "6px",
        right: "8px",
        zIndex: "1",
        border: "none",
        background: "transparent",
        fontSize: "24px",
        lineHeight: "1",
        cursor: "pointer",
        color: "#64748b",
      });
      var iframe = document.createElement("iframe");
      iframe.title = "3D Secure challenge";
      iframe.src = url.href;
      Object.assign(iframe.style, { width: "100%", height: "100%", border: "none", display: "block" });

      // While the challenge is open, the page behind it can be neither reached by Tab
      // nor read out: only the dialog is there, as with Stripe's own modal.
      var madeInert = [];
      function finish(outcome) {
        window.removeEventListener("message", onMessage);
        document.removeEventListener("keydown", onKey);
        overlay.remove();
        madeInert.forEach(function (element) {
          element.inert = false;
        });
        if (previousFocus && typeof previousFocus.focus === "function") {
          previousFocus.focus();
        }
        resolve(outcome);
      }
      function onMessage(event) {
        var data = event.data;
        if (event.origin !== challengeOrigin || event.source !== iframe.contentWindow) {
          return;
        }
        if (!data || data.channel !== channel) {
          return;
        }
        if (data.type === "challenge-escape") {
          cancel();
        } else if (data.type === "challenge-complete") {
          finish(data.outcome);
        }
      }
      // Closing the challenge counts as a failed authentication, as on Stripe.
      function cancel() {
        var id = new URL(challengeUrl).searchParams.get("intent");
        fetch(challengeOrigin + sandboxPath(url) + "/_sandbox/authenticate", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ intent: id, client_secret: clientSecret, outcome: "fail" }),
          mode: "cors",
          credentials: "omit",
        }).catch(function () {}).then(function () {
          finish("fail");
        });
      }
      function onKey(event) {
        if (event.key === "Escape") {
          cancel();
        }
      }
      close.addEventListener("click", cancel);
      window.addEventListener("message", onMessage);
      document.addEventListener("keydown", onKey);
      box.appendChild(close);
      box.appendChild(iframe);
      overlay.appendChild(box);
      Array.prototype.forEach.call(document.body.children, function (element) {
        if (!element.inert) {
          element.inert = true;
          madeInert.push(element);
        }
      });
      document.body.appendChild(overlay);
      iframe.addEventListener("load", function () {
        iframe.focus();
      });
    });
  }

  function sandboxPath(url) {
    var at = url.pathname.lastIndexOf("/v3/");
    return at >= 0 ? url.pathname.slice(0, at) : "";
  }

  // ---- the Payment Element ------------------------------------------------------------

  class PaymentElement {
    constructor(elements, options) {
      this._elements = elements;
      this._options = Object.assign({}, options || {});
      this._listeners = {};
      this._requests = new Map();
      this._nextRequest = 1;
      this._iframe = null;
      this._container = null;
      this._wrapper = null;
      this._destroyed = false;
      this._ready = false;
      this._readyWaiters = [];
      this._onMessage = this._onMessage.bind(this);
    }

    mount(target) {
      if (this._destroyed) {
        throw new IntegrationError("This Element has already been destroyed. Please create a new one.");
      }
      if (this._iframe) {
        throw new IntegrationError(
          "This Element is already mounted. Use `unmount()` to unmount the Element before re-mounting."
        );
      }
      var node = typeof target === "string" ? document.querySelector(target) : target;
      if (!node || node.nodeType !== 1) {
        throw new IntegrationError(
          typeof target === "string"
            ? "The selector you specified (" + target + ") applies to no DOM elements that are " +
                "currently on the page.\nMake sure the element exists on the page before calling mount()."
            : "Invalid DOM element. Make sure to call mount() with a valid DOM element or selector."
        );
      }
      this._channel = randomId();
      this._ready = false;
      var hash = new URLSearchParams({
        channel: this._channel,
        origin: window.location.origin,
        locale: this._elements._stripe._locale,
      });
      var iframe = document.createElement("iframe");
      iframe.title = FRAME_TITLE;
      iframe.name = "__privateStripeFrame" + this._channel;
      iframe.setAttribute("frameborder", "0");
      iframe.setAttribute("scrolling", "no");
      iframe.setAttribute("allowtransparency", "true");
      iframe.allow = "payment *";
      Object.assign(iframe.style, {
        display: "block",
        width: "100%",
        minWidth: "100%",
        height: "260px",
        border: "none",
        overflow: "hidden",
        background: "transparent",
      });
      iframe.src = BASE + "/v3/elements-frame#" + hash.toString();
      var wrapper = document.createElement("div");
      wrapper.className = "__PrivateStripeElement";
      wrapper.appendChild(iframe);
      window.addEventListener("message", this._onMessage);
      node.appendChild(wrapper);
      node.classList.add("StripeElement", "StripeElement--empty");
      this._container = node;
      this._wrapper = wrapper;
      this._iframe = iframe;
      var self = this;
      this._loadTimer = window.setTimeout(function () {
        if (!self._ready && self._iframe === iframe) {
          self._emit("loaderror", {
            elementType: "payment",
            error: { type: "api_connection_error", message: "The payment form could not be loaded." },
          });
        }
      }, LOAD_TIMEOUT_MS);
    }

    unmount() {
      if (!this._iframe) {
        return;
      }
      window.removeEventListener("message", this._onMessage);
      window.clearTimeout(this._loadTimer);
      this._wrapper.remove();
      this._container.classList.remove(
        "StripeElement", "StripeElement--empty", "StripeElement--complete",
        "StripeElement--focus", "StripeElement--invalid"
      );
      this._iframe = null;
      this._wrapper = null;
      this._container = null;
      this._ready = false;
      this._requests.forEach(function (resolve) {
        resolve({ error: { type: "validation_error", message: "The Payment Element was unmounted." } });
      });
      this._requests.clear();
    }

    destroy() {
      this.unmount();
      this._destroyed = true;
      this._listeners = {};
      if (this._elements._element === this) {
        this._elements._element = null;
      }
    }

    focus() {
      if (this._iframe) {
        this._iframe.focus();
        this._send("focus", {});
      }
    }

    blur() {
      this._send("blur", {});
    }

    clear() {
      this._send("clear", {});
    }

    collapse() {
      return this; // the sandbox shows a single card form, which is never collapsed
    }

    update(options) {
      Object.assign(this._options, options || {});
      this._send("options", { options: this._frameOptions() });
    }

    on(event, handler) {
      (this._listeners[event] = this._listeners[event] || []).push({ handler: handler, once: false });
      return this;
    }

    once(event, handler) {
      (this._listeners[event] = this._listeners[event] || []).push({ handler: handler, once: true });
      return this;
    }

    off(event, handler) {
      if (!handler) {
        delete this._listeners[event];
      } else if (this._listeners[event]) {
        this._listeners[event] = this._listeners[event].filter(function (entry) {
          return entry.handler !== handler;
        });
      }
      return this;
    }

    _emit(event, payload) {
      var entries = (this._listeners[event] || []).slice();
      this._listeners[event] = entries.filter(function (entry) {
        return !entry.once;
      });
      entries.forEach(function (entry) {
        try {
          entry.handler(payload);
        } catch (failure) {
          window.setTimeout(function () {
            throw failure; // report the handler's bug without breaking the element
          });
        }
      });
    }

    _frameOptions() {
      return {
        appearance: this._elements._options.appearance || null,
        readOnly: Boolean(this._options.readOnly),
        defaultValues: this._options.defaultValues || null,
      };
    }

    _send(type, payload) {
      if (!this._iframe || !this._ready) {
        return;
      }
      var message = Object.assign({ channel: this._channel, type: type }, payload);
      this._iframe.contentWindow.postMessage(message, SANDBOX_ORIGIN);
    }

    _whenReady() {
      var self = this;
      if (this._ready) {
        return Promise.resolve();
      }
      return new Promise(function (resolve) {
        self._readyWaiters.push(resolve);
      });
    }

    // Ask the frame to do something; resolves with the frame's reply.
    async _request(type, payload) {
      await this._whenReady();
      if (!this._iframe) {
        return { error: { type: "validation_error", message: "The Payment Element is not mounted." } };
      }
      var id = this._nextRequest++;
      var self = this;
      return new Promise(function (resolve) {
        self._requests.set(id, resolve);
        self._send(type, Object.assign({ id: id }, payload));
      });
    }

    _onMessage(event) {
      if (!this._iframe || event.origin !== SANDBOX_ORIGIN || event.source !== this._iframe.contentWindow) {
        return;
      }
      var data = event.data;
      if (!data || data.channel !== this._channel) {
        return;
      }
      switch (data.type) {
        case "ready":
          this._ready = true;
          window.clearTimeout(this._loadTimer);
          this._send("options", { options: this._frameOptions() });
          this._readyWaiters.splice(0).forEach(function (resolve) {
            resolve();
          });
          this._emit("ready", { elementType: "payment" });
          break;
        case "resize":
          this._iframe.style.height = Math.max(0, Math.ceil(Number(data.height) || 0)) + "px";
          break;
        case "change":
          this._container.classList.toggle("StripeElement--empty", Boolean(data.empty));
          this._container.classList.toggle("StripeElement--complete", Boolean(data.complete));
          this._container.classList.toggle("StripeElement--invalid", Boolean(data.invalid));
          this._emit("change", {
            elementType: "payment",
            empty: Boolean(data.empty),
            complete: Boolean(data.complete),
            collapsed: false,
            value: { type: "card" },
          });
          break;
        case "focus":
        case "blur":
          this._container.classList.toggle("StripeElement--focus", data.type === "focus");
          this._emit(data.type, { elementType: "payment" });
          break;
        case "reply":
          var resolve = this._requests.get(data.id);
          if (resolve) {
            this._requests.delete(data.id);
            resolve(data.result || {});
          }
          break;
        default:
          break;
      }
    }
  }

  // ---- Elements -------------------------------------------------------------------------

  var DEFERRED_MODES = ["payment", "setup"];

  function checkDeferredOptions(options) {
    if (DEFERRED_MODES.indexOf(options.mode) < 0) {
      throw new IntegrationError(
        "Invalid value for elements(): mode should be one of payment, setup. You specified: " +
          JSON.stringify(options.mode) + "."
      );
    }
    if (options.mode === "payment") {
      if (!Number.isInteger(options.amount) || options.amount < 0) {
        throw new IntegrationError(
          "Invalid value for elements(): amount should be a non-negative integer in the " +
            "currency's smallest unit when mode is payment."
        );
      }
      if (typeof options.currency !== "string" || !/^[a-zA-Z]{3}$/.test(options.currency)) {
        throw new IntegrationError(
          "Invalid value for elements(): currency should be a three-letter ISO currency code."
        );
      }
    }
  }

  class Elements {
    constructor(stripe, options) {
      options = Object.assign({}, options || {});
      if (options.clientSecret && options.mode) {
        throw new IntegrationError(
          "Invalid value for elements(): clientSecret and mode are mutually exclusive. " +
            "Pass clientSecret to use an existing intent, or mode (with amount and currency) " +
            "to create the intent later."
        );
      }
      if (options.clientSecret) {
        var kind = /^seti_/.test(options.clientSecret) ? "setup" : "payment";
        checkClientSecret(kind, options.clientSecret, "elements()");
        this._kind = kind;
      } else if (options.mode) {
        checkDeferredOptions(options);
        this._kind = options.mode;
      }
      this._stripe = stripe;
      this._options = options;
      this._element = null;
      this._submitted = false;
    }

    create(type, options) {
      if (type !== "payment") {
        throw new IntegrationError(
          "The Stripe sandbox offers only the Payment Element; elements.create(" +
            JSON.stringify(type) + ") is not available."
        );
      }
      if (!this._kind) {
        throw new IntegrationError(
          "In order to create a payment element, you must pass a clientSecret or mode when " +
            "creating the Elements group.\n\ne.g. stripe.elements({clientSecret: \"{{CLIENT_SECRET}}\"})"
        );
      }
      if (this._element) {
        throw new IntegrationError("Can only create one Element of type payment.");
      }
      this._element = new PaymentElement(this, options);
      return this._element;
    }

    getElement(type) {
      return type === "payment" ? this._element : null;
    }

    update(options) {
      options = Object.assign({}, options || {});
      if ("clientSecret" in options) {
        throw new IntegrationError("elements.update(): clientSecret cannot be updated.");
      }
      if (this._options.clientSecret && options.mode) {
        throw new IntegrationError(
          "elements.update(): mode can only be used with an Elements group created with mode."
        );
      }
      var merged = Object.assign({}, this._options, options);
      if (merged.mode) {
        checkDeferredOptions(merged);
        this._kind = merged.mode;
      }
      this._options = merged;
      if (this._element) {
        this._element._send("options", { options: this._element._frameOptions() });
      }
    }

    fetchUpdates() {
      return Promise.resolve({});
    }

    async submit() {
      var element = this._mountedElement("elements.submit()");
      var result = await element._request("validate", {});
      this._submitted = !result.error;
      return result.error ? { error: result.error } : { selectedPaymentMethod: "card" };
    }

    _mountedElement(caller) {
      if (!this._element || !this._element._iframe) {
        throw new IntegrationError(
          caller + ": the Payment Element must be created and mounted before this call."
        );
      }
      return this._element;
    }
  }

  // ---- confirming -----------------------------------------------------------------------

  function submitFirstMessage(kind) {
    return (
      "elements.submit() must be called before stripe." +
      (kind === "setup" ? "confirmSetup()" : "confirmPayment()") +
      ". Call elements.submit() as soon as your customer presses pay, prior to any " +
      "asynchronous work."
    );
  }

  function confirmParamsFor(kind, confirmParams) {
    var names = ["return_url", "setup_future_usage", "save_payment_method", "shipping",
      "payment_method_options", "mandate_data"];
    if (kind === "payment") {
      names.push("receipt_email");
    }
    var params = {};
    names.forEach(function (name) {
      if (confirmParams[name] !== undefined && confirmParams[name] !== null) {
        params[name] = confirmParams[name];
      }
    });
    return params;
  }

  async function confirmIntent(stripe, kind, options) {
    var caller = kind === "setup" ? "stripe.confirmSetup()" : "stripe.confirmPayment()";
    if (!options || typeof options !== "object") {
      throw new IntegrationError(caller + ": expected an object with `elements` or `clientSecret`.");
    }
    var elements = options.elements;
    var confirmParams = options.confirmParams || {};
    var redirect = options.redirect || "always";
    if (redirect !== "always" && redirect !== "if_required") {
      throw new IntegrationError(
        caller + ": redirect should be \"always\" or \"if_required\". You specified: " +
          JSON.stringify(redirect) + "."
      );
    }
    var returnUrl = confirmParams.return_url;
    if (redirect === "always" && !returnUrl) {
      throw new IntegrationError(
        caller + ": the `confirmParams.return_url` argument is required unless passing " +
          "`redirect: 'if_required'`"
      );
    }
    if (returnUrl) {
      checkWebUrl(returnUrl, caller);
    }
    var clientSecret = options.clientSecret;
    if (elements) {
      if (!(elements instanceof Elements)) {
        throw new IntegrationError(caller + ": `elements` should be the result of stripe.elements().");
      }
      if (elements._options.clientSecret) {
        clientSecret = clientSecret || elements._options.clientSecret;
      } else {
        if (!clientSecret) {
          throw new IntegrationError(
            caller + ": the `clientSecret` argument is required when the Elements group was " +
              "created with `mode`."
          );
        }
        if (!elements._submitted) {
          return { error: { type: "invalid_request_error", message: submitFirstMessage(kind) } };
        }
      }
      if (elements._kind !== kind) {
        throw new IntegrationError(
          caller + ": the Elements group was created for a " + elements._kind + " intent."
        );
      }
    } else if (typeof confirmParams.payment_method !== "string") {
      throw new IntegrationError(
        caller + ": pass `elements`, or `confirmParams.payment_method` with a saved payment method."
      );
    }
    checkClientSecret(kind, clientSecret, caller);

    var params = confirmParamsFor(kind, confirmParams);
    var outcome;
    if (elements) {
      var element = elements._mountedElement(caller);
      elements._submitted = false; // each confirmation needs its own submit()
      var paymentMethodData = confirmParams.payment_method_data || {};
      outcome = await element._request("confirm", {
        kind: kind,
        publishableKey: stripe._key,
        apiVersion: stripe._apiVersion || null,
        clientSecret: clientSecret,
        params: params,
        billingDetails: paymentMethodData.billing_details || null,
      });
    } else {
      params.client_secret = clientSecret;
      params.payment_method = confirmParams.payment_method;
      params.use_stripe_sdk = true;
      outcome = await callApi(stripe, "POST", intentPath(kind, clientSecret) + "/confirm", params);
    }
    if (outcome.error) {
      return { error: outcome.error };
    }
    return finishIntent(stripe, kind, outcome.data, {
      clientSecret: clientSecret,
      redirect: redirect,
      returnUrl: returnUrl,
    });
  }

  // ---- Stripe ---------------------------------------------------------------------------

  function Stripe(publishableKey, options) {
    if (!(this instanceof Stripe)) {
      return new Stripe(publishableKey, options);
    }
    if (typeof publishableKey !== "string" || !publishableKey) {
      throw new IntegrationError("Please call Stripe() with your publishable key. You used an empty string.");
    }
    if (/^(sk|rk)_/.test(publishableKey)) {
      throw new IntegrationError(
        "You should not use your secret key with Stripe.js.\nPlease pass a publishable key instead."
      );
    }
    options = options || {};
    this._key = publishableKey;
    this._apiVersion = options.apiVersion || null;
    this._locale = options.locale || "auto";
  }

  Stripe.prototype.elements = function (options) {
    return new Elements(this, options);
  };

  Stripe.prototype.confirmPayment = function (options) {
    return confirmIntent(this, "payment", options);
  };

  Stripe.prototype.confirmSetup = function (options) {
    return confirmIntent(this, "setup", options);
  };

  Stripe.prototype.handleNextAction = async function (options) {
    var clientSecret = options && options.clientSecret;
    var kind = /^seti_/.test(String(clientSecret)) ? "setup" : "payment";
    checkClientSecret(kind, clientSecret, "stripe.handleNextAction()");
    var retrieved = await retrieveIntent(this, kind, clientSecret);
    if (retrieved.error) {
      return { error: retrieved.error };
    }
    return finishIntent(this, kind, retrieved.data, { clientSecret: clientSecret, redirect: "if_required" });
  };

  Stripe.prototype.handleCardAction = function (clientSecret) {
    return this.handleNextAction({ clientSecret: clientSecret });
  };

  Stripe.prototype.retrievePaymentIntent = async function (clientSecret) {
    checkClientSecret("payment", clientSecret, "stripe.retrievePaymentIntent()");
    var retrieved = await retrieveIntent(this, "payment", clientSecret);
    return retrieved.error ? { error: retrieved.error } : { paymentIntent: retrieved.data };
  };

  Stripe.prototype.retrieveSetupIntent = async function (clientSecret) {
    checkClientSecret("setup", clientSecret, "stripe.retrieveSetupIntent()");
    var retrieved = await retrieveIntent(this, "setup", clientSecret);
    return retrieved.error ? { error: retrieved.error } : { setupIntent: retrieved.data };
  };

  Stripe.version = 3;
  Stripe.isSandbox = true;
  Stripe.IntegrationError = IntegrationError;
  window.Stripe = Stripe;
})();
