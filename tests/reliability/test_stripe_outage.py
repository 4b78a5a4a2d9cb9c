"""When Stripe is down or slow: a clear message, the order intact, never a second intent.

The sandbox's faults make Stripe's API fail the way it does in life: a 500 before
anything happened, a request that hangs past the shop's timeout, and a 500 after the
intent was created (the answer lost on the way back). The SDK retries with the same
idempotency key; when the retries run out the customer reads a message they can act on.
"""

import re

import pytest
import stripe

from shop.extensions import db
from shop.models import Payment, Product
from shop.services.stripe_client import UNAVAILABLE
from tests.payments_support import SECRET_KEY, reload

INTENTS = "/v1/payment_intents"


@pytest.fixture
def app_config(stripe_config):
    # A short timeout keeps the "slow Stripe" case quick; two retries as in production.
    return {**stripe_config, "STRIPE_TIMEOUT": 0.5, "STRIPE_MAX_RETRIES": 2}


def intents_at_stripe(stripe_api) -> list[dict]:
    return stripe_api.v1.payment_intents.list(params={"limit": 100})["data"]


def payments() -> list[Payment]:
    db.session.expire_all()
    return db.session.execute(db.select(Payment)).scalars().all()


def assert_order_intact(order, product, stock: int) -> None:
    order = reload(order)
    assert order.status == "pending" and order.total_minor == 2500
    assert [(line.product_name, line.quantity) for line in order.lines] == [("Kettle", 1)]
    assert db.session.get(Product, product.id).stock == stock


@pytest.mark.parametrize(
    ("faults", "created_at_stripe"),
    [
        ([("error", 3, None)], 0),
        ([("timeout", 3, 2.0)], 0),
        # Created, the answer lost, then Stripe down for the SDK's two retries.
        ([("error_after", 1, None), ("error", 2, None)], 1),
    ],
    ids=["500", "timeout", "500-after-creating"],
)
def test_intent_creation_fails_clearly_then_a_retry_makes_one_intent(
    shopper, make_product, sandbox, stripe_api, faults, created_at_stripe
):
    kettle = make_product(name="Kettle", price_minor=2500, stock=5)
    order = shopper.checkout((kettle, 1))
    # One more failure than the SDK has retries: the outage outlasts them.
    for mode, count, seconds in faults:
        sandbox.control.fault(INTENTS, mode, count=count, seconds=seconds, method="POST")

    response = shopper.start(order)
    assert response.status_code == 400
    assert response.get_json() == {"error": UNAVAILABLE}
    assert_order_intact(order, kettle, stock=4)
    assert payments() == []
    assert len(intents_at_stripe(stripe_api)) == created_at_stripe

    # A minute later Stripe is back and the customer presses Pay again.
    sandbox.control.clear_faults()
    response = shopper.start(order)
    assert response.status_code == 200
    intents = intents_at_stripe(stripe_api)
    assert [i["id"] for i in intents] == [response.get_json()["intent_id"]]
    assert [p.intent_id for p in payments()] == [intents[0]["id"]]

    _, error, _ = shopper.pay(order, "pm_card_visa")
    assert error is None and reload(order).status == "paid"
    assert len(intents_at_stripe(stripe_api)) == 1


# error_after: the first call creates the intent and its answer is lost; the SDK's retry,
# with the same idempotency key, gets the stored result replayed.
@pytest.mark.parametrize("mode", ["error", "error_after"])
def test_a_blip_shorter_than_the_retries_is_invisible(
    shopper, make_product, sandbox, stripe_api, mode
):
    order = shopper.checkout((make_product(name="Kettle", price_minor=2500), 1))
    sandbox.control.fault(INTENTS, mode, count=2, method="POST")
    response = shopper.start(order)
    assert response.status_code == 200, response.get_json()
    assert len(intents_at_stripe(stripe_api)) == 1


def test_confirm_while_stripe_is_down_says_so_and_keeps_the_order(
    shopper, make_product, sandbox
):
    kettle = make_product(name="Kettle", price_minor=2500, stock=5)
    order = shopper.checkout((kettle, 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_visa")
    sandbox.control.fault(f"{INTENTS}/{intent['intent_id']}", "error", count=3, method="GET")
    response = shopper.report(order, intent["intent_id"])
    assert response.status_code == 503
    assert response.get_json() == {"error": UNAVAILABLE}
    assert_order_intact(order, kettle, stock=4)
    # The customer tries again once Stripe answers: paid, once.
    assert shopper.report(order, intent["intent_id"]).get_json()["status"] == "paid"


def test_sandbox_faults_with_a_rate_strike_only_some_calls(sandbox, stripe_api):
    """The soak's "Stripe fails 5% of calls": a fault with a rate hits calls at random."""
    sandbox.control.fault("/v1/customers", "error", count=1000, rate=0.3, method="GET")
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": sandbox.url},
                                 max_network_retries=0)
    failures = 0
    for _ in range(60):
        try:
            client.v1.customers.list()
        except stripe.APIError:
            failures += 1
    assert 3 <= failures <= 40  # about 18; never all, never none


def test_an_outage_is_logged_with_the_call_status_and_stripes_request_id(
    shopper, make_product, sandbox, caplog
):
    order = shopper.checkout((make_product(name="Kettle", price_minor=2500), 1))
    sandbox.control.fault(INTENTS, "error", count=3, method="POST")
    assert shopper.start(order).get_json() == {"error": UNAVAILABLE}
    (line,) = [r.getMessage() for r in caplog.records if "Stripe unavailable" in r.getMessage()]
    # What on-call needs to find the call in Stripe's logs, not the customer's words.
    assert re.fullmatch(r"Stripe unavailable: APIError on POST /v1/payment_intents \(HTTP 500,"
                        r" code \S+, request req_\w+\): .+", line), line
    assert UNAVAILABLE not in line
