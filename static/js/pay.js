// The pay page: Stripe's PaymentElement in deferred mode, or a saved card.
// The server decides amounts and outcomes; this script only carries the
// customer's card details to Stripe and then asks the shop to check with Stripe.

const form = document.getElementById("payment-form");
const button = document.getElementById("pay-button");
const message = document.getElementById("payment-message");
const progress = document.getElementById("payment-progress");
const newCard = document.getElementById("new-card");
const saveBox = form.querySelector('input[name="save_card"]');
const data = form.dataset;
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const UNAVAILABLE =
  "Payments are temporarily unavailable, your order is saved — try again in a minute.";
const NO_STRIPE_JS =
  "The card form could not load. Reload the page; if it still does not appear, " +
  "a content blocker or the network may be stopping it. Your order is saved.";

if (typeof Stripe !== "function") {
  // Stripe.js was blocked or did not arrive: say so, rather than a Pay button that
  // stays disabled by an empty form. Nothing below can run without it.
  message.textContent = NO_STRIPE_JS;
  message.hidden = false;
  progress.textContent = "";
  throw new Error("Stripe.js did not load");
}

const stripe = Stripe(data.publishableKey);
const elements = stripe.elements({
  mode: "payment",
  amount: Number(data.amount),
  currency: data.currency,
});
const paymentElement = elements.create("payment");
paymentElement.mount("#payment-element");

let busy = false;
let cardFormReady = false;
let cardFormFailed = false;

// Pay waits for the card form only when it is used: a saved card needs none of it.
// While a payment is under way the button ignores presses but stays enabled: a
// disabled button would drop the keyboard's focus to the page.
function updateButton() {
  const waiting = choice() === "new" && !cardFormReady;
  button.disabled = !busy && waiting;
  button.setAttribute("aria-disabled", String(busy));
  progress.textContent = busy ? "Processing your payment…"
    : waiting && !cardFormFailed ? "Loading the card form…" : "";
}

paymentElement.on("ready", () => {
  cardFormReady = true;
  updateButton();
});
paymentElement.on("loaderror", (event) => {
  cardFormFailed = true;
  updateButton();
  showError(`${event.error.message} Reload the page to try again.`);
});
// The page's own message (an incomplete number after Pay, a decline) is out of date
// as soon as the customer edits the card: the card form marks what is still missing.
paymentElement.on("change", () => showError(""));

function showError(text) {
  message.textContent = text || "";
  message.hidden = !text;
}

function setBusy(value) {
  busy = value;
  updateButton();
}

async function postJSON(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
    credentials: "same-origin",
    body: JSON.stringify(body),
  });
  let payload = {};
  try { payload = await response.json(); } catch { payload = {}; }
  if (!response.ok && !payload.error) payload.error = UNAVAILABLE;
  return payload;
}

function choice() {
  const picked = form.querySelector('input[name="payment_choice"]:checked');
  return picked ? picked.value : "new";
}

function showChoice() {
  const useNew = choice() === "new";
  newCard.hidden = !useNew;
  const saveRow = form.querySelector("[data-save-card]");
  if (saveRow) saveRow.hidden = !useNew;
  updateButton();
}

form.addEventListener("change", (event) => {
  if (event.target.name === "payment_choice") showChoice();
  if (event.target === saveBox) {
    elements.update({ setupFutureUsage: saveBox.checked ? "off_session" : null });
  }
});
showChoice();

async function confirmWithShop(intentId) {
  return postJSON(data.confirmUrl, { payment_intent: intentId });
}

// After Stripe.js has run, the shop asks Stripe and answers with the order's status.
// Once the order has moved on (paid, processing), that is the outcome, whatever the
// browser heard from Stripe: its answer may have been lost after the payment went
// through. If the shop cannot be asked either, the status page tells what it learns.
async function settle(intentId, stripeError) {
  let result = await confirmWithShop(intentId);
  if (result.error) result = await confirmWithShop(intentId); // a dropped request, once
  if (result.status && result.status !== "pending") {
    return window.location.assign(result.redirect);
  }
  if (stripeError) return showError(stripeError.message);
  window.location.assign(result.redirect || data.statusUrl);
}

async function payWithNewCard() {
  const { error: fieldError } = await elements.submit();
  if (fieldError) return showError(fieldError.message);
  const intent = await postJSON(data.intentUrl, { save_card: Boolean(saveBox && saveBox.checked) });
  if (intent.redirect) return window.location.assign(intent.redirect); // paid meanwhile
  if (intent.error) return showError(intent.error);
  const { error } = await stripe.confirmPayment({
    elements,
    clientSecret: intent.client_secret,
    confirmParams: { return_url: data.returnUrl },
    redirect: "if_required",
  });
  return settle(intent.intent_id, error);
}

// A new key for each click: the shop confirms one click's payment once, however often
// the request is retried, and a click after a failed challenge is a new attempt.
function attemptKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// A saved card the shop no longer has (removed in another tab, expired, detached at
// Stripe) leaves the list; the new-card form takes its place.
function dropSavedCard(cardId) {
  const radio = form.querySelector(`input[name="payment_choice"][value="${CSS.escape(cardId)}"]`);
  if (radio) radio.closest("label").remove();
  const useNew = form.querySelector('input[name="payment_choice"][value="new"]');
  if (useNew) useNew.checked = true;
  showChoice();
}

async function payWithSavedCard(cardId) {
  const paid = await postJSON(data.savedCardUrl, { card_id: cardId, attempt: attemptKey() });
  if (paid.redirect && !paid.status) return window.location.assign(paid.redirect);
  if (paid.card_gone) dropSavedCard(cardId);
  if (paid.error) return showError(paid.error);
  if (paid.status === "requires_action") {
    const { error } = await stripe.handleNextAction({ clientSecret: paid.client_secret });
    return settle(paid.intent_id, error);
  }
  window.location.assign(paid.redirect);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (busy) return;
  setBusy(true);
  showError("");
  try {
    const picked = choice();
    await (picked === "new" ? payWithNewCard() : payWithSavedCard(picked));
  } catch (err) {
    showError(UNAVAILABLE);
  } finally {
    setBusy(false);
  }
});
