/*
 * The card form inside the Payment Element frame (sandbox origin).
 *
 * The embedding page (through the sandbox's Stripe.js) sends requests by postMessage:
 * "validate" (elements.submit()) and "confirm" (with the publishable key, the intent's
 * client secret and confirm params). For a confirm this frame creates the PaymentMethod
 * from the card details and confirms the intent itself, so the card number never leaves
 * the sandbox's origin. Messages are accepted only from the parent window, from the
 * origin and with the channel id given in this frame's URL fragment.
 */
(function () {
  "use strict";

  var fragment = new URLSearchParams(window.location.hash.slice(1));
  var channel = fragment.get("channel");
  var parentOrigin = fragment.get("origin");
  var locale = fragment.get("locale");
  var API_BASE = window.location.pathname.replace(/\/v3\/elements-frame$/, "");

  var form = document.getElementById("card-form");
  var inputs = {
    number: document.getElementById("number"),
    expiry: document.getElementById("expiry"),
    cvc: document.getElementById("cvc"),
    zip: document.getElementById("zip"),
  };
  var FIELD_ORDER = ["number", "expiry", "cvc", "zip"];
  var brandBadge = document.getElementById("brand");
  var BRAND_LABELS = {
    visa: "Visa", mastercard: "MC", amex: "Amex", discover: "Discover",
    diners: "Diners", jcb: "JCB", unionpay: "UnionPay",
  };
  var shown = {}; // fields whose error is on screen
  var busy = false;

  function embeddedProperly() {
    if (!channel || !parentOrigin || window.parent === window) {
      return false;
    }
    var ancestors = window.location.ancestorOrigins;
    return !ancestors || !ancestors.length || ancestors[0] === parentOrigin;
  }

  // ---- card rules ---------------------------------------------------------------------

  function digitsOf(value) {
    return String(value || "").replace(/\D/g, "");
  }

  function brandOf(digits) {
    if (/^3[47]/.test(digits)) return "amex";
    if (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(digits)) return "mastercard";
    if (/^4/.test(digits)) return "visa";
    if (/^(6011|65|64[4-9])/.test(digits)) return "discover";
    if (/^(36|30[0-5]|38|39)/.test(digits)) return "diners";
    if (/^35(2[89]|[3-8])/.test(digits)) return "jcb";
    if (/^62/.test(digits)) return "unionpay";
    return "unknown";
  }

  function numberLength(brand, digits) {
    if (brand === "amex") return 15;
    if (brand === "diners" && /^36/.test(digits)) return 14;
    return 16;
  }

  function cvcLength(brand) {
    return brand === "amex" ? 4 : 3;
  }

  function luhnValid(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i += 1) {
      var digit = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) {
        digit *= 2;
        if (digit > 9) digit -= 9;
      }
      sum += digit;
    }
    return digits.length > 0 && sum % 10 === 0;
  }

  function formatNumber(digits, brand) {
    var groups = brand === "amex" || (brand === "diners" && /^36/.test(digits))
      ? [4, 6, 5] : [4, 4, 4, 4];
    var parts = [];
    var at = 0;
    for (var i = 0; i < groups.length && at < digits.length; i += 1) {
      parts.push(digits.slice(at, at + groups[i]));
      at += groups[i];
    }
    return parts.join(" ");
  }

  function formatExpiry(value, deleting) {
    var digits = digitsOf(value);
    if (digits.length === 1 && digits > "1") {
      digits = "0" + digits; // "4" can only mean April
    } else if (digits.slice(0, 2) === "00") {
      digits = "0" + digits.slice(2);
    } else if (digits.length >= 2 && Number(digits.slice(0, 2)) > 12) {
      digits = "0" + digits; // "13" is January of a year starting with 3
    }
    digits = digits.slice(0, 4);
    if (digits.length > 2 || (digits.length === 2 && !deleting)) {
      return digits.slice(0, 2) + " / " + digits.slice(2);
    }
    return digits;
  }

  function expiryParts() {
    var digits = digitsOf(inputs.expiry.value);
    return { month: Number(digits.slice(0, 2)), year: 2000 + Number(digits.slice(2, 4)), digits: digits };
  }

  function validationError(code, message) {
    return { type: "validation_error", code: code, message: message };
  }

  // Each field: {empty, error (or null), ripe} where ripe means "show it while typing".
  function checkNumber() {
    var digits = digitsOf(inputs.number.value);
    var brand = brandOf(digits);
    if (!digits) {
      return { empty: true, error: validationError("incomplete_number", "Your card number is incomplete.") };
    }
    if (digits.length < numberLength(brand, digits)) {
      return { error: validationError("incomplete_number", "Your card number is incomplete.") };
    }
    if (!luhnValid(digits)) {
      return { ripe: true, error: validationError("invalid_number", "Your card number is invalid.") };
    }
    return { error: null };
  }

  function checkExpiry() {
    var parts = expiryParts();
    var incomplete = validationError("incomplete_expiry", "Your card's expiration date is incomplete.");
    if (!parts.digits) {
      return { empty: true, error: incomplete };
    }
    if (parts.digits.length < 4) {
      return { error: incomplete };
    }
    var now = new Date();
    var thisYear = now.getFullYear();
    if (parts.month < 1 || parts.month > 12) {
      return { ripe: true, error: validationError("invalid_expiry_month", "Your card's expiration date is invalid.") };
    }
    if (parts.year < thisYear) {
      return {
        ripe: true,
        error: validationError("invalid_expiry_year_past", "Your card's expiration year is in the past."),
      };
    }
    if (parts.year === thisYear && parts.month < now.getMonth() + 1) {
      return {
        ripe: true,
        error: validationError("invalid_expiry_month_past", "Your card's expiration date is in the past."),
      };
    }
    if (parts.year > thisYear + 50) {
      return { ripe: true, error: validationError("invalid_expiry_year", "Your card's expiration year is invalid.") };
    }
    return { error: null };
  }

  function checkCvc() {
    var digits = digitsOf(inputs.cvc.value);
    var incomplete = validationError("incomplete_cvc", "Your card's security code is incomplete.");
    if (!digits) {
      return { empty: true, error: incomplete };
    }
    var brand = brandOf(digitsOf(inputs.number.value));
    return { error: digits.length < cvcLength(brand) ? incomplete : null };
  }

  function checkZip() {
    var value = inputs.zip.value.trim();
    var incomplete = validationError("incomplete_zip", "Your postal code is incomplete.");
    if (!value) {
      return { empty: true, error: incomplete };
    }
    // US ZIP codes have five digits (ZIP+4 optional); other postal codes are left alone.
    if (/^[\d\s-]+$/.test(value) && digitsOf(value).length < 5) {
      return { error: incomplete };
    }
    return { error: null };
  }

  var CHECKS = { number: checkNumber, expiry: checkExpiry, cvc: checkCvc, zip: checkZip };

  function checkAll() {
    var results = {};
    FIELD_ORDER.forEach(function (name) {
      results[name] = CHECKS[name]();
    });
    return results;
  }

  function showError(name, error) {
    var text = error ? error.message : "";
    document.getElementById(name + "-error").textContent = text;
    inputs[name].setAttribute("aria-invalid", error ? "true" : "false");
    shown[name] = Boolean(error);
  }

  // ---- typing ---------------------------------------------------------------------------

  function caretAfterDigits(formatted, count) {
    if (count <= 0) return 0;
    var seen = 0;
    for (var i = 0; i < formatted.length; i += 1) {
      if (/\d/.test(formatted[i])) {
        seen += 1;
        if (seen === count) return i + 1;
      }
    }
    return formatted.length;
  }

  function onNumberInput() {
    var input = inputs.number;
    var caretDigits = digitsOf(input.value.slice(0, input.selectionStart || 0)).length;
    var digits = digitsOf(input.value);
    var brand = brandOf(digits);
    digits = digits.slice(0, numberLength(brand, digits));
    var formatted = formatNumber(digits, brand);
    if (formatted !== input.value) {
      input.value = formatted;
      var caret = caretAfterDigits(formatted, caretDigits);
      input.setSelectionRange(caret, caret);
    }
    brandBadge.textContent = BRAND_LABELS[brand] || "";
    brandBadge.className = "brand brand-" + brand;
    var cvcDigits = digitsOf(inputs.cvc.value);
    if (cvcDigits.length > cvcLength(brand)) {
      inputs.cvc.value = cvcDigits.slice(0, cvcLength(brand));
    }
  }

  function onExpiryInput(event) {
    var deleting = event.inputType && event.inputType.indexOf("delete") === 0;
    inputs.expiry.value = formatExpiry(inputs.expiry.value, deleting);
  }

  function onCvcInput() {
    var brand = brandOf(digitsOf(inputs.number.value));
    inputs.cvc.value = digitsOf(inputs.cvc.value).slice(0, cvcLength(brand));
  }

  function afterInput(name) {
    var result = CHECKS[name]();
    // Show obvious mistakes at once; hide an error as soon as the field is fixed.
    if (result.error && result.ripe) {
      showError(name, result.error);
    } else if (shown[name]) {
      showError(name, null);
    }
    reportChange();
  }

  function onBlur(name) {
    var result = CHECKS[name]();
    if (!result.empty) {
      showError(name, result.error);
    }
  }

  var lastChange = null;

  function changeState() {
    var results = checkAll();
    return {
      empty: FIELD_ORDER.every(function (name) { return results[name].empty; }),
      complete: FIELD_ORDER.every(function (name) { return !results[name].error; }),
      invalid: FIELD_ORDER.some(function (name) { return shown[name]; }),
    };
  }

  function reportChange() {
    var state = changeState();
    var key = JSON.stringify(state);
    if (key !== lastChange) {
      lastChange = key;
      post("change", state);
    }
  }

  // ---- validate and confirm -------------------------------------------------------------

  function validateAll() {
    var results = checkAll();
    var first = null;
    FIELD_ORDER.forEach(function (name) {
      showError(name, results[name].error);
      if (results[name].error && !first) {
        first = results[name].error;
        inputs[name].focus();
      }
    });
    reportChange();
    return first;
  }

  function formEncode(value, prefix, pairs) {
    if (value === undefined || value === null) return pairs;
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

  async function callApi(path, key, apiVersion, params) {
    var headers = {
      Authorization: "Bearer " + key,
      "Content-Type": "application/x-www-form-urlencoded",
    };
    if (apiVersion) {
      headers["Stripe-Version"] = apiVersion;
    }
    var response;
    try {
      response = await fetch(API_BASE + path, {
        method: "POST",
        headers: headers,
        body: formEncode(params, "", []).join("&"),
        credentials: "omit",
      });
    } catch (_failure) {
      return {
        error: {
          type: "api_connection_error",
          message: "We could not connect to the payment service. Check your connection and try again.",
        },
      };
    }
    var data = null;
    try {
      data = await response.json();
    } catch (_notJson) {
      data = null;
    }
    if (!response.ok || !data || data.error) {
      var error = Object.assign({}, (data && data.error) || {});
      error.type = error.type || "api_error";
      error.message = error.message || "An unexpected error occurred.";
      return { error: error };
    }
    return { data: data };
  }

  function cardDetails(billingDetails) {
    var parts = expiryParts();
    var billing = Object.assign({}, billingDetails || {});
    billing.address = Object.assign({}, billing.address || {}, { postal_code: inputs.zip.value.trim() });
    return {
      type: "card",
      card: {
        number: digitsOf(inputs.number.value),
        exp_month: parts.month,
        exp_year: parts.year,
        cvc: digitsOf(inputs.cvc.value),
      },
      billing_details: billing,
    };
  }

  async function confirm(request) {
    var invalid = validateAll();
    if (invalid) {
      return { error: invalid };
    }
    if (!/^pk_/.test(String(request.publishableKey))) {
      return { error: { type: "invalid_request_error", message: "A publishable key is required." } };
    }
    var secret = String(request.clientSecret);
    var path = (request.kind === "setup" ? "/v1/setup_intents/" : "/v1/payment_intents/") +
      encodeURIComponent(secret.split("_secret_")[0]) + "/confirm";
    setBusy(true);
    try {
      var created = await callApi(
        "/v1/payment_methods", request.publishableKey, request.apiVersion,
        cardDetails(request.billingDetails)
      );
      if (created.error) {
        return { error: created.error };
      }
      var params = Object.assign({}, request.params || {}, {
        client_secret: secret,
        payment_method: created.data.id,
        use_stripe_sdk: true,
      });
      return await callApi(path, request.publishableKey, request.apiVersion, params);
    } finally {
      setBusy(false);
    }
  }

  var readOnly = false;

  function setBusy(value) {
    busy = value;
    FIELD_ORDER.forEach(function (name) {
      inputs[name].readOnly = busy || readOnly;
    });
  }

  function clearAll() {
    FIELD_ORDER.forEach(function (name) {
      inputs[name].value = "";
      showError(name, null);
    });
    brandBadge.textContent = "";
    reportChange();
  }

  // ---- appearance ---------------------------------------------------------------------------

  var VARIABLES = {
    colorPrimary: "--color-primary",
    colorBackground: "--color-background",
    colorText: "--color-text",
    colorTextSecondary: "--color-text-secondary",
    colorDanger: "--color-danger",
    fontFamily: "--font-family",
    fontSizeBase: "--font-size-base",
    borderRadius: "--border-radius",
    spacingUnit: "--spacing-unit",
  };

  function applyOptions(options) {
    options = options || {};
    var appearance = options.appearance || {};
    var root = document.documentElement;
    root.classList.toggle("theme-night", appearance.theme === "night");
    root.classList.toggle("theme-flat", appearance.theme === "flat");
    var variables = appearance.variables || {};
    Object.keys(VARIABLES).forEach(function (name) {
      var value = variables[name];
      if (typeof value === "string" && !/[;{}]/.test(value)) {
        root.style.setProperty(VARIABLES[name], value);
      } else {
        root.style.removeProperty(VARIABLES[name]);
      }
    });
    readOnly = Boolean(options.readOnly);
    setBusy(busy);
    var billing = (options.defaultValues && options.defaultValues.billingDetails) || {};
    var postal = billing.address && billing.address.postal_code;
    if (postal && !inputs.zip.value) {
      inputs.zip.value = String(postal);
      reportChange();
    }
  }

  // ---- messages -----------------------------------------------------------------------------

  function post(type, payload) {
    window.parent.postMessage(Object.assign({ channel: channel, type: type }, payload || {}), parentOrigin);
  }

  async function onMessage(event) {
    if (event.source !== window.parent || event.origin !== parentOrigin) {
      return;
    }
    var data = event.data;
    if (!data || data.channel !== channel) {
      return;
    }
    switch (data.type) {
      case "options":
        applyOptions(data.options);
        break;
      case "focus":
        inputs.number.focus();
        break;
      case "blur":
        if (document.activeElement) document.activeElement.blur();
        break;
      case "clear":
        clearAll();
        break;
      case "validate":
        var invalid = validateAll();
        post("reply", { id: data.id, result: invalid ? { error: invalid } : {} });
        break;
      case "confirm":
        post("reply", { id: data.id, result: await confirm(data) });
        break;
      default:
        break;
    }
  }

  function watchFocus() {
    var focused = false;
    form.addEventListener("focusin", function () {
      if (!focused) {
        focused = true;
        post("focus");
      }
    });
    form.addEventListener("focusout", function (event) {
      if (!event.relatedTarget || !form.contains(event.relatedTarget)) {
        focused = false;
        post("blur");
      }
    });
  }

  function watchSize() {
    var root = document.getElementById("root");
    var last = 0;
    function report() {
      var height = Math.ceil(root.getBoundingClientRect().height);
      if (height !== last) {
        last = height;
        post("resize", { height: height });
      }
    }
    new ResizeObserver(report).observe(root);
    report();
  }

  function start() {
    if (locale && /^[a-zA-Z-]{2,10}$/.test(locale) && locale !== "auto") {
      document.documentElement.lang = locale;
    }
    if (!embeddedProperly()) {
      document.getElementById("standalone").hidden = false;
      FIELD_ORDER.forEach(function (name) {
        inputs[name].disabled = true;
      });
      return;
    }
    inputs.number.addEventListener("input", onNumberInput);
    inputs.expiry.addEventListener("input", onExpiryInput);
    inputs.cvc.addEventListener("input", onCvcInput);
    FIELD_ORDER.forEach(function (name) {
      inputs[name].addEventListener("input", function () {
        afterInput(name);
      });
      inputs[name].addEventListener("blur", function () {
        onBlur(name);
      });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault(); // the embedding page decides when to pay
    });
    window.addEventListener("message", onMessage);
    watchFocus();
    watchSize();
    lastChange = JSON.stringify(changeState()); // "change" reports the customer's edits only
    post("ready");
  }

  start();
})();
