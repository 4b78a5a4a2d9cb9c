"""The webhook endpoint: signatures, the inbox, duplicates, order, failures."""

import hashlib
import hmac
import json
import threading
import time

import pytest

from shop.extensions import db
from shop.models import Dispute, OrderEvent, Refund, StripeEvent
from shop.services import webhooks
from tests.conftest import POSTGRES_URL, AuthActions
from tests.db_support import statements
from tests.payments_support import WEBHOOK_SECRET, reload, settle_webhooks


def sign(body: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def deliver(client, event: dict, **sign_kw):
    body = json.dumps(event).encode()
    return client.post(
        "/webhooks/stripe",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": sign(body, **sign_kw)},
    )


def inbox_count() -> int:
    return db.session.execute(db.select(db.func.count()).select_from(StripeEvent)).scalar_one()


def intent_event(intent_id: str, event_type="payment_intent.succeeded", event_id="evt_test_1"):
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": {"id": intent_id, "object": "payment_intent"}},
    }


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Stripe-Signature": "t=1,v1=deadbeef"},
        {"Stripe-Signature": "garbage"},
    ],
    ids=["missing", "wrong", "garbled"],
)
def test_bad_or_missing_signature_is_400_and_nothing_stored(client, headers):
    body = json.dumps(intent_event("pi_x")).encode()
    response = client.post(
        "/webhooks/stripe", data=body, headers=headers, content_type="application/json"
    )
    assert response.status_code == 400 and inbox_count() == 0


def test_stale_timestamp_is_refused(client):
    assert deliver(client, intent_event("pi_x"), at=int(time.time()) - 301).status_code == 400
    assert deliver(client, intent_event("pi_x"), secret="whsec_other").status_code == 400
    assert inbox_count() == 0


UNPAIRED = (b'{"id": "evt_1", "type": "payment_intent.payment_failed", "created": 1,'
            b' "data": {"object": {"id": "pi_x", "last_payment_error":'
            b' {"message": "bad \\ud800 text"}}}}')


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"id": 5}', b'{"id": "evt_1"}',
                                  UNPAIRED])
def test_malformed_but_signed_bodies_are_400(client, body):
    # UNPAIRED: an escaped surrogate without its pair parses, but is no text to store.
    response = client.post(
        "/webhooks/stripe",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": sign(body)},
    )
    assert response.status_code == 400 and inbox_count() == 0


def test_unknown_type_is_stored_as_ignored(client):
    event = {**intent_event("cus_1", "customer.tax_id.created", "evt_unknown")}
    assert deliver(client, event).status_code == 200
    assert db.session.get(StripeEvent, "evt_unknown").status == "ignored"


def test_same_event_five_times_has_one_effect(shopper, make_product, sandbox):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_visa")
    event = intent_event(intent["intent_id"], event_id="evt_dup")
    statuses = [deliver(shopper.client, event).status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert inbox_count() == 1
    assert reload(order).status == "paid"
    paid = db.session.execute(
        db.select(db.func.count()).where(OrderEvent.kind == "status_paid")
    ).scalar_one()
    assert paid == 1


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")
def test_concurrent_duplicates_on_postgres_have_one_effect(app, shopper, make_product):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_visa")
    event = intent_event(intent["intent_id"], event_id="evt_race")
    results = []

    def send():
        with app.test_client() as c:
            results.append(deliver(c, event).status_code)

    threads = [threading.Thread(target=send) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 5
    assert inbox_count() == 1
    assert reload(order).status == "paid"
    assert (
        db.session.execute(
            db.select(db.func.count()).where(OrderEvent.kind == "status_paid")
        ).scalar_one()
        == 1
    )


def test_events_in_reverse_order_end_in_the_right_state(
    shopper, make_product, sandbox, webhooks_on
):
    sandbox.control.webhook_behaviour(reverse=20)
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, _, intent = shopper.pay(order, "pm_card_visa_chargeDeclined")
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_visa")
    settle_webhooks(sandbox)
    assert reload(order).status == "paid"


def sent_by_stripe(stripe_api, event_type: str, object_id: str) -> dict:
    """The newest event of `event_type` Stripe sent about `object_id`, as it sent it."""
    events = stripe_api.v1.events.list(params={"type": event_type, "limit": 100})
    return next(e for e in events.data if e["data"]["object"]["id"] == object_id).to_dict()


def test_payment_failed_after_succeeded_stays_paid(shopper, make_product, stripe_api):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    _, declined = shopper.confirm_at_stripe(intent, "pm_card_visa_chargeDeclined")
    assert declined is not None  # the first card is declined; the page's report is lost
    shopper.confirm_at_stripe(intent, "pm_card_visa")  # the second card pays
    assert shopper.report(order, intent["intent_id"]).get_json()["status"] == "paid"

    # Stripe's event about the decline arrives only now.
    late = sent_by_stripe(stripe_api, "payment_intent.payment_failed", intent["intent_id"])
    assert deliver(shopper.client, late).status_code == 200

    order = reload(order)
    assert order.status == "paid"
    kinds = set(
        db.session.execute(
            db.select(OrderEvent.kind).where(OrderEvent.order_id == order.id)
        ).scalars()
    )
    assert {"payment_failed", "late_failure"} <= kinds


def test_event_for_a_settled_intent_needs_no_answer_from_stripe(shopper, make_product, sandbox):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    response, _, intent = shopper.pay(order, "pm_card_visa")
    assert response.get_json()["status"] == "paid"
    # Stripe would refuse a re-read now; the intent succeeded, so none is needed.
    sandbox.control.fault(
        f"/v1/payment_intents/{intent['intent_id']}", "error", count=5, method="GET"
    )
    late = intent_event(intent["intent_id"], "payment_intent.requires_action", "evt_settled")
    response = deliver(shopper.client, late)
    assert response.status_code == 200 and response.get_json()["outcome"] == "processed"
    stored = db.session.get(StripeEvent, "evt_settled")
    assert stored.status == "processed" and stored.attempts == 1
    order = reload(order)
    assert order.status == "paid"
    kinds = list(
        db.session.execute(
            db.select(OrderEvent.kind).where(OrderEvent.order_id == order.id)
        ).scalars()
    )
    assert kinds.count("status_paid") == 1 and "authentication" not in kinds


def test_the_first_webhook_for_an_intent_reads_its_payment_row_once_before_stripe(
    shopper, make_product, sandbox
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_visa")
    with statements(bind=None) as seen:
        response = deliver(shopper.client, intent_event(intent["intent_id"], event_id="evt_first"))
    assert response.get_json()["outcome"] == "processed" and reload(order).status == "paid"
    # Once to learn its order and whether it is settled, once more after the order
    # is locked, to update it as committed.
    reads = [sql for sql in seen if sql.startswith("SELECT") and "FROM payment" in sql]
    assert len(reads) == 2, reads


def test_a_failure_never_overwrites_what_another_delivery_handled(app):
    # This delivery's handler failed and its transaction rolled back; meanwhile a copy
    # of the event, which had been waiting on its inbox row, was handled.
    handled = webhooks._parse(intent_event("pi_raced", event_id="evt_raced"))
    handled.status, handled.attempts = "processed", 1
    db.session.add(handled)
    db.session.commit()
    late = webhooks.store_failure("evt_raced", intent_event("pi_raced", event_id="evt_raced"),
                                   RuntimeError("Stripe was unreachable"))
    assert late is False  # the answer is "duplicate", and Stripe has nothing to retry
    db.session.expire_all()
    assert db.session.get(StripeEvent, "evt_raced").status == "processed"

    # With no other outcome stored, the failure is recorded, one attempt at a time.
    lone = intent_event("pi_lone", event_id="evt_lone")
    for attempt in (1, 2):
        assert webhooks.store_failure("evt_lone", lone, RuntimeError("Stripe was unreachable"))
        db.session.expire_all()
        stored = db.session.get(StripeEvent, "evt_lone")
        assert (stored.status, stored.attempts) == ("failed", attempt)
        assert "Stripe was unreachable" in stored.last_error


def test_handler_failure_is_500_then_stripes_retry_succeeds(
    shopper, make_product, sandbox, webhooks_on
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    # The shop cannot re-read the intent from Stripe: the handler fails, Stripe retries.
    sandbox.control.fault(
        f"/v1/payment_intents/{intent['intent_id']}", "error", count=3, method="GET"
    )
    shopper.confirm_at_stripe(intent, "pm_card_visa")
    settle_webhooks(sandbox)
    deliveries = [
        d for d in sandbox.control.deliveries() if d["type"] == "payment_intent.succeeded"
    ]
    codes = [a.get("status_code") for a in deliveries[0]["attempts"]]
    assert codes[0] == 500 and codes[-1] == 200
    stored = db.session.get(StripeEvent, deliveries[0]["event_id"])
    assert stored.status == "processed" and stored.attempts == 2
    assert reload(order).status == "paid"


def test_refund_and_dispute_made_outside_the_shop_show_on_the_order(
    shopper, make_product, sandbox, stripe_api, webhooks_on
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, _, intent = shopper.pay(order, "pm_card_visa")
    stripe_api.v1.refunds.create({"payment_intent": intent["intent_id"], "amount": 1000})
    sandbox.control.create_dispute(intent["intent_id"])
    settle_webhooks(sandbox)
    order = reload(order)
    assert order.status == "partially_refunded" and order.amount_refunded_minor == 1000
    refund = db.session.execute(db.select(Refund)).scalar_one()
    assert refund.amount_minor == 1000 and refund.status == "succeeded"
    dispute = db.session.execute(db.select(Dispute)).scalar_one()
    assert dispute.reason == "fraudulent" and dispute.status == "needs_response"
    assert dispute.evidence_due_by is not None and order.dispute_status == "needs_response"


def test_an_escaped_surrogate_pair_is_text_like_any_other(client):
    body = (b'{"id": "evt_pair", "type": "customer.tax_id.created", "created": 1,'
            b' "data": {"object": {"id": "txi_1", "name": "\\ud83d\\ude00"}}}')
    response = client.post("/webhooks/stripe", data=body, content_type="application/json",
                           headers={"Stripe-Signature": sign(body)})
    assert response.status_code == 200 and inbox_count() == 1


def test_the_inbox_and_the_admins_event_pages_never_hold_a_client_secret(
    app, shopper, make_product, make_user, sandbox, webhooks_on
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, error, intent = shopper.pay(order, "pm_card_visa")
    assert error is None
    settle_webhooks(sandbox)
    stored = db.session.execute(
        db.select(StripeEvent).where(StripeEvent.type.startswith("payment_intent."))
    ).scalars().all()
    assert {e.type for e in stored} >= {"payment_intent.created", "payment_intent.succeeded"}
    make_user(email="boss@example.com", password="boss-password", is_admin=True)
    admin = app.test_client()
    AuthActions(admin).login("boss@example.com", "boss-password")

    for event in stored:
        assert event.object_id == intent["intent_id"]
        assert "client_secret" not in event.payload["data"]["object"]
        page = admin.get(f"/admin/events/{event.id}")
        assert page.status_code == 200 and intent["intent_id"] in page.get_data(as_text=True)
        assert intent["client_secret"] not in page.get_data(as_text=True)
        assert "_secret_" not in page.get_data(as_text=True)
