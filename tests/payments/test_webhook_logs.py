"""What the webhook endpoint logs when a handler fails: enough for on-call to tell a
Stripe outage from a bug, in the words the inbox keeps."""

import json

from shop.extensions import db
from shop.models import StripeEvent
from shop.services.stripe_client import UNAVAILABLE


def shop_lines(caplog) -> list[tuple[int, dict]]:
    return [(r.levelno, json.loads(r.getMessage()))
            for r in caplog.records if r.name == "shop.payments"]


def test_a_handler_failing_in_an_outage_logs_what_the_inbox_stores(
    shopper, make_product, sandbox, deliver, caplog
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_visa")
    sandbox.control.fault(f"/v1/payment_intents/{intent['intent_id']}", "error", count=10,
                          method="GET")
    caplog.clear()

    assert deliver("payment_intent.succeeded", intent["intent_id"]) == (500, "failed")

    [stored] = db.session.execute(db.select(StripeEvent)).scalars().all()
    [failed] = [line for _, line in shop_lines(caplog) if line.get("outcome") == "failed"]
    assert failed["error"] == stored.last_error
    assert failed["error"].startswith("PaymentsUnavailable (APIError: ")
    assert UNAVAILABLE not in failed["error"]
