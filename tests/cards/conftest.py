"""Saved-card fixtures on top of tests/payments_support.py: the shop pointed at the Stripe
sandbox and driven through the real SDK; `browser_stripe` plays Stripe.js's part.
"""

import time

import pytest

RETURN_URL = "http://localhost/account/cards/added"


@pytest.fixture
def app_config(stripe_config) -> dict:
    return stripe_config


@pytest.fixture
def customer(make_user, auth):
    """Factory: a signed-in customer (the client is logged in as the last one made)."""

    def make(email="card-owner@example.com"):
        user = make_user(email=email, password="card-owner-pass")
        auth.login(email, "card-owner-pass")
        return user

    return make


class CardActions:
    """Adds a card the way the account page does: JSON POST, Stripe.js confirm, return page."""

    def __init__(self, client, browser_stripe):
        self._client = client
        self._stripe = browser_stripe

    def start(self, request_key="attempt-0123456789abcdef"):
        return self._client.post("/account/cards/setup-intent", json={"request_key": request_key})

    def confirm(self, client_secret, payment_method="pm_card_visa"):
        setup_intent_id = client_secret.split("_secret_")[0]
        return self._stripe.v1.setup_intents.confirm(
            setup_intent_id,
            params={
                "client_secret": client_secret,
                "payment_method": payment_method,
                "return_url": RETURN_URL,
            },
        )

    def add(self, payment_method="pm_card_visa", request_key=None):
        """Add a card; returns the return page's response."""
        key = request_key or f"attempt-{time.monotonic_ns():024d}"
        secret = self.start(key).get_json()["client_secret"]
        intent = self.confirm(secret, payment_method)
        return self._client.get(f"/account/cards/added?setup_intent={intent['id']}")


@pytest.fixture
def cards_page(client, browser_stripe) -> CardActions:
    return CardActions(client, browser_stripe)


@pytest.fixture
def stripe_down(sandbox):
    """Every call to `path` fails, the client's retries included."""

    def fail(path: str, method: str | None = None):
        sandbox.control.fault(path, mode="error", count=20, method=method)

    yield fail
    sandbox.control.clear_faults()
