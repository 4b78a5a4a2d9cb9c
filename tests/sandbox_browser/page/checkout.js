// A minimal page written the way Stripe's documentation shows, against the sandbox.
const root = document.getElementById("checkout");
const { publishableKey, flow, redirect, clientSecret, returnUrl } = root.dataset;
const stripe = Stripe(publishableKey);
const errorBox = document.getElementById("error");
const outcome = document.getElementById("outcome");
const payButton = document.getElementById("pay");
const cardState = document.getElementById("card-state");

const elements = flow === "deferred"
  ? stripe.elements({ mode: "payment", amount: 1999, currency: "usd" })
  : stripe.elements({ clientSecret });
const paymentElement = elements.create("payment");
paymentElement.on("ready", () => {
  payButton.disabled = false;
});
paymentElement.on("change", (event) => {
  cardState.textContent = `Card details: ${event.complete ? "complete" : "incomplete"}`;
});
paymentElement.mount("#payment-element");

function report(result, key) {
  if (result.error) {
    errorBox.textContent = result.error.message;
    errorBox.dataset.code = result.error.code || "";
    return;
  }
  const intent = result[key];
  outcome.dataset.intent = intent.id;
  outcome.textContent = `${key === "setupIntent" ? "Setup" : "Payment"} ${intent.status}`;
}

async function pay() {
  if (flow === "setup") {
    const result = await stripe.confirmSetup({ elements, confirmParams: { return_url: returnUrl }, redirect });
    return report(result, "setupIntent");
  }
  if (flow === "intent") {
    const result = await stripe.confirmPayment({ elements, confirmParams: { return_url: returnUrl }, redirect });
    return report(result, "paymentIntent");
  }
  const { error } = await elements.submit();
  if (error) {
    return report({ error }, "paymentIntent");
  }
  const response = await fetch("/intents", { method: "POST" });
  const { client_secret: secret } = await response.json();
  const result = await stripe.confirmPayment({
    elements,
    clientSecret: secret,
    confirmParams: { return_url: returnUrl },
    redirect,
  });
  return report(result, "paymentIntent");
}

document.getElementById("pay-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.textContent = "";
  outcome.textContent = "";
  payButton.disabled = true;
  try {
    await pay();
  } finally {
    payButton.disabled = false;
  }
});
