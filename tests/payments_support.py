"""Fixtures and helpers for tests that pay through the Stripe sandbox.

The real `stripe` SDK talks HTTP to a sandbox running in a thread; nothing in
`shop/` is mocked. Test packages that pay use these fixtures by overriding
`app_config` with `stripe_config` in their conftest.
"""

import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterator

import pytest
import stripe

from shop.extensions import db
from shop.models import Order
from shop.services import webhooks
from stripe_sandbox.testing import RunningSandbox, run_sandbox
from tests.conftest import POSTGRES_URL, LiveServer

WEBHOOK_SECRET = "whsec_test_shop"
SECRET_KEY = "sk_test_shop"
PUBLISHABLE_KEY = "pk_test_shop"

# A $25.00 refund of a card whose refunds fail (pm_card_refundFail), on the timeline.
EXPIRED_CARD_REFUND = ("Refund of $25.00 failed: the card has expired or was cancelled. The"
                       " amount is back in the Stripe balance; refund the customer another way.")


@pytest.fixture(scope="session")
def sandbox() -> Iterator[RunningSandbox]:
    running = run_sandbox(
        webhook_secret=WEBHOOK_SECRET, retry_base=0.2, max_attempts=5, processing_delay=3600
    )
    yield running
    running.stop()


@pytest.fixture
def stripe_config(sandbox) -> dict:
    """App settings pointing at a freshly reset sandbox that sends no webhooks yet."""
    sandbox.control.reset()
    sandbox.control.configure(
        forward_to=None,
        webhook_secret=WEBHOOK_SECRET,
        retry_base=0.2,
        max_attempts=5,
        # Stripe delivers concurrently; SQLite serializes writers, so one at a time there.
        webhook_concurrency=8 if POSTGRES_URL else 1,
    )
    return {
        "STRIPE_API_BASE": sandbox.url,
        "STRIPE_JS_URL": f"{sandbox.url}/v3/",
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_MAX_RETRIES": 2,
        "STRIPE_TIMEOUT": 5,
    }


@pytest.fixture
def stripe_api(sandbox) -> stripe.StripeClient:
    """The sandbox seen with the secret key, as the Dashboard or a test would."""
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": sandbox.url})


@pytest.fixture
def browser_stripe(sandbox) -> stripe.StripeClient:
    """What Stripe.js does: the publishable key plus an intent's client secret."""
    return stripe.StripeClient(PUBLISHABLE_KEY, base_addresses={"api": sandbox.url})


@pytest.fixture
def webhooks_on(sandbox, live_shop) -> Iterator[LiveServer]:
    """Forward the sandbox's webhooks to the test's shop, served over HTTP."""
    sandbox.control.configure(forward_to=f"{live_shop.url}/webhooks/stripe")
    yield live_shop
    try:
        sandbox.control.wait_for_deliveries(timeout=15)
    finally:
        sandbox.control.configure(forward_to=None)


def settle_webhooks(sandbox, timeout: float = 15) -> None:
    sandbox.control.wait_for_deliveries(timeout=timeout)
    db.session.expire_all()


class Shopper:
    """A customer in the Flask test client: cart, checkout, and the pay page's calls."""

    def __init__(self, client, browser_stripe: stripe.StripeClient):
        self.client = client
        self.stripe = browser_stripe

    def checkout(self, *items, email="buyer@example.com") -> Order:
        for product, quantity in items:
            self.client.post("/cart/add", data={"product_id": product.id, "quantity": quantity})
        response = self.client.post("/checkout", data={"email": email})
        assert response.status_code == 302, response.get_data(as_text=True)
        number = re.search(r"/orders/([A-Z0-9]+)/pay", response.headers["Location"]).group(1)
        return db.session.execute(db.select(Order).where(Order.number == number)).scalar_one()

    def start(self, order: Order, save_card: bool = False):
        return self.client.post(f"/orders/{order.number}/intent", json={"save_card": save_card})

    def confirm_at_stripe(self, intent: dict, payment_method: str) -> tuple[dict, Exception | None]:
        """Confirm as Stripe.js does; returns (intent, card error or None)."""
        try:
            confirmed = self.stripe.v1.payment_intents.confirm(
                intent["intent_id"],
                {
                    "client_secret": intent["client_secret"],
                    "payment_method": payment_method,
                    "return_url": "http://shop.test/return",
                    "use_stripe_sdk": True,
                },
            )
            return confirmed.to_dict(), None
        except stripe.CardError as error:
            return {}, error

    def report(self, order: Order, intent_id: str):
        return self.client.post(
            f"/orders/{order.number}/confirm", json={"payment_intent": intent_id}
        )

    def pay(self, order: Order, payment_method: str = "pm_card_visa", save_card: bool = False):
        """The whole pay-page flow; returns (confirm response, Stripe.js error or None)."""
        started = self.start(order, save_card=save_card)
        assert started.status_code == 200, started.get_json()
        intent = started.get_json()
        _, error = self.confirm_at_stripe(intent, payment_method)
        return self.report(order, intent["intent_id"]), error, intent


@pytest.fixture
def shopper(client, browser_stripe) -> Shopper:
    return Shopper(client, browser_stripe)


def eventually(condition, what: str, timeout: float = 10) -> None:
    """Wait until `condition()` holds: the other thread has reached the point the test
    needs, however slowly it started."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)


def reload(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def signed(payload: bytes, secret: str = WEBHOOK_SECRET) -> str:
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


@pytest.fixture
def deliver(stripe_api):
    """Deliver an event Stripe sent earlier (the newest of `event_type` about `object_id`)
    straight to the shop's webhook inbox, as Stripe would."""

    def send(event_type: str, object_id: str) -> tuple[int, str]:
        events = stripe_api.v1.events.list(params={"type": event_type, "limit": 100})
        event = next(e for e in events.data if e["data"]["object"]["id"] == object_id)
        payload = json.dumps(event.to_dict()).encode()
        return webhooks.receive(payload, signed(payload))

    return send
