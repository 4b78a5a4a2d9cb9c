"""Stripe's signature header as Stripe really sends it: while an endpoint's secret is
being rolled, each delivery carries one v1 signature per secret, in no set order."""

import hashlib
import hmac
import json
import time

import pytest

from shop.extensions import db
from shop.models import StripeEvent
from tests.payments_support import WEBHOOK_SECRET


def v1(body: bytes, secret: str, at: int) -> str:
    return hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()


def event_body(event_id: str) -> bytes:
    return json.dumps({
        "id": event_id, "object": "event", "type": "customer.tax_id.created",
        "created": int(time.time()), "livemode": False,
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }).encode()


def post(client, body: bytes, header: str):
    return client.post("/webhooks/stripe", data=body, content_type="application/json",
                       headers={"Stripe-Signature": header})


@pytest.mark.parametrize("ours_first", [True, False], ids=["ours-first", "ours-last"])
def test_a_delivery_signed_under_two_secrets_is_taken_whichever_signature_comes_first(
    client, ours_first
):
    body, at = event_body("evt_rolled"), int(time.time())
    ours, theirs = v1(body, WEBHOOK_SECRET, at), v1(body, "whsec_rolled_elsewhere", at)
    first, second = (ours, theirs) if ours_first else (theirs, ours)

    assert post(client, body, f"t={at},v1={first},v1={second}").status_code == 200
    assert db.session.get(StripeEvent, "evt_rolled") is not None


def test_a_delivery_whose_signatures_are_all_under_other_secrets_is_refused(client):
    body, at = event_body("evt_forged"), int(time.time())
    header = f"t={at},v1={v1(body, 'whsec_a', at)},v1={v1(body, 'whsec_b', at)}"

    assert post(client, body, header).status_code == 400
    assert db.session.get(StripeEvent, "evt_forged") is None


def test_a_delivery_a_few_minutes_late_is_still_taken(client):
    body, at = event_body("evt_late"), int(time.time()) - 240

    assert post(client, body, f"t={at},v1={v1(body, WEBHOOK_SECRET, at)}").status_code == 200
    assert db.session.get(StripeEvent, "evt_late") is not None


def test_a_correctly_signed_delivery_replayed_an_hour_later_is_refused(client):
    body, at = event_body("evt_replayed"), int(time.time()) - 3600

    assert post(client, body, f"t={at},v1={v1(body, WEBHOOK_SECRET, at)}").status_code == 400
    assert db.session.get(StripeEvent, "evt_replayed") is None


@pytest.mark.csrf
def test_stripe_needs_no_csrf_token_to_deliver_a_signed_event(client):
    body, at = event_body("evt_no_token"), int(time.time())

    assert post(client, body, f"t={at},v1={v1(body, WEBHOOK_SECRET, at)}").status_code == 200
    assert db.session.get(StripeEvent, "evt_no_token") is not None
