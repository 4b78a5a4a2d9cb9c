// The "Add a card" page: the Payment Element is mounted in deferred setup mode, so no SetupIntent
// exists until the customer submits. Then the shop creates one (JSON POST with the CSRF
// token) and stripe.confirmSetup sends the customer to the return page, which reads the
// SetupIntent from Stripe before saving anything.

const GENERIC_ERROR = "Something went wrong; please try again.";
const NO_STRIPE_JS =
  "The card form could not load. Reload the page; if it still does not appear, " +
  "a content blocker or the network may be stopping it.";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": csrfToken(),
    },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(data.error || GENERIC_ERROR);
  }
  return data;
}

function setUpAddCard(form) {
  const { publishableKey, setupUrl, returnUrl, requestKey, currency } = form.dataset;
  const button = form.querySelector("button[type=submit]");
  const errorBox = form.querySelector("[role=alert]");
  const progress = form.querySelector("[role=status]");
  let busy = false;
  // While saving, the button ignores presses but stays enabled: a disabled button
  // would drop the keyboard's focus to the page.
  const setBusy = (value) => {
    busy = value;
    button.setAttribute("aria-disabled", String(value));
    progress.textContent = value ? "Saving your card…" : "";
  };
  const showError = (message) => {
    errorBox.textContent = message || "";
  };

  if (typeof Stripe !== "function") {
    progress.textContent = "";
    showError(NO_STRIPE_JS); // blocked or not arrived: the button stays disabled
    return;
  }
  const stripe = Stripe(publishableKey);
  const elements = stripe.elements({ mode: "setup", currency });
  const paymentElement = elements.create("payment");
  paymentElement.on("ready", () => {
    progress.textContent = "";
    button.disabled = false;
    form.dataset.ready = "true";
  });
  paymentElement.on("loaderror", (event) => {
    progress.textContent = ""; // the button stays disabled: there is no form to submit
    showError(`${event.error.message} Reload the page to try again.`);
  });
  // The page's own message (an incomplete number after Save, a decline) is out of
  // date as soon as the customer edits the card: the card form marks what is missing.
  paymentElement.on("change", () => showError(""));
  paymentElement.mount(form.querySelector("[data-testid=payment-element]"));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    showError("");
    try {
      const submitted = await elements.submit();
      if (submitted.error) {
        showError(submitted.error.message);
        return;
      }
      const { client_secret: clientSecret } = await postJson(setupUrl, {
        request_key: requestKey,
      });
      // On success Stripe.js navigates to the return page; only errors come back here.
      const { error } = await stripe.confirmSetup({
        elements,
        clientSecret,
        confirmParams: { return_url: returnUrl },
      });
      showError(error ? error.message : "");
    } catch (error) {
      showError(error.message || GENERIC_ERROR);
    } finally {
      setBusy(false);
    }
  });
}

const addCardForm = document.getElementById("add-card");
if (addCardForm) {
  setUpAddCard(addCardForm);
}
