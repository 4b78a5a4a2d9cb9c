// The order page while the bank decides: ask the shop again every few seconds and
// load the page anew only once the order's status has changed, so a screen reader's
// place and the keyboard's focus are not reset while nothing happens.

const POLL_MS = 5000;
const shown = document.querySelector("[data-testid=order-status]");

async function statusNow() {
  const response = await fetch(window.location.href, {
    credentials: "same-origin",
    cache: "no-store",
  });
  if (!response.ok) return null;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const status = page.querySelector("[data-testid=order-status]");
  return status ? status.textContent : null;
}

async function poll() {
  let now = null;
  try {
    now = await statusNow();
  } catch {
    now = null; // offline for a moment: ask again next time
  }
  if (now !== null && now !== shown.textContent) {
    window.location.reload();
    return;
  }
  window.setTimeout(poll, POLL_MS);
}

if (shown) window.setTimeout(poll, POLL_MS);
