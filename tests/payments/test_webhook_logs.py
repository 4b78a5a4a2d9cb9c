"""What the webhook endpoint logs when a delivery is refused or its handler fails: enough
for on-call to tell a wrong secret or a Stripe outage from noise, never a secret."""

import json
import logging
import time
from datetime import UTC, datetime

import pytest

from shop.extensions import db
from shop.models import StripeEvent
from shop.services.stripe_client import UNAVAILABLE
from tests.payments.test_webhooks import intent_event, sign
from tests.payments_support import WEBHOOK_SECRET


def shop_lines(caplog) -> list[tuple[int, dict]]:
    return [(r.levelno, json.loads(r.getMessage()))
            for r in caplog.records if r.name == "shop.payments"]


def test_a_delivery_signed_with_another_secret_is_a_warning_naming_the_event(client, caplog):
    event = intent_event("pi_3Secret", event_id="evt_1WrongSecret")
    event["data"]["object"]["client_secret"] = "pi_3Secret_secret_abc"
    body = json.dumps(event).encode()
    signed_at = int(time.time()) - 5
    response = client.post("/webhooks/stripe", data=body, content_type="application/json",
                           headers={"Stripe-Signature": sign(body, "whsec_endpoints_own",
                                                             at=signed_at)})
    assert response.status_code == 400
    assert db.session.execute(db.select(db.func.count()).select_from(StripeEvent)).scalar() == 0

    [(level, line)] = shop_lines(caplog)
    assert level == logging.WARNING
    assert line == {
        "action": "webhook.rejected",
        "outcome": "bad signature",
        "event": "evt_1WrongSecret",
        "signed_at": datetime.fromtimestamp(signed_at, UTC).isoformat(),
        "reason": "No signatures found matching the expected signature for payload",
    }
    logged = caplog.text
    for secret in (WEBHOOK_SECRET, "whsec_endpoints_own", "pi_3Secret", "payment_intent"):
        assert secret not in logged


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        (b"junk", {"Stripe-Signature": "t=1700000000,v1=00"},
         {"signed_at": "2023-11-14T22:13:20+00:00"}),
        (b'{"id": "not an event id"}', {"Stripe-Signature": "garbage"}, {}),
        (b'[{"id": "evt_1"}]', {}, {}),
        (b'{"id": "evt_1Late"}', {"Stripe-Signature": "t=99999999999999999999,v1=00"},
         {"event": "evt_1Late"}),
    ],
    ids=["not-json", "no-timestamp", "not-an-object", "absurd-timestamp"],
)
def test_junk_is_logged_with_only_what_it_has(client, caplog, body, headers, expected):
    response = client.post("/webhooks/stripe", data=body, content_type="application/json",
                           headers=headers)
    assert response.status_code == 400
    [(level, line)] = shop_lines(caplog)
    assert level == logging.WARNING
    assert {k: v for k, v in line.items() if k in ("event", "signed_at")} == expected


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
