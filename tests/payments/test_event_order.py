"""Stripe sends events in no set order, and in the shape of the endpoint's API version;
the order ends as Stripe holds it either way."""

import json

import pytest

from shop.extensions import db
from shop.models import OrderEvent, StripeEvent
from shop.services import payments, webhooks
from shop.services.disputes import sync_dispute
from tests.payments_support import reload, signed


@pytest.mark.parametrize(("refunded", "status"), [(2000, "partially_refunded"),
                                                  (5000, "refunded")])
def test_refund_events_before_the_payments_own_count_once_it_is_paid(
    shopper, make_product, stripe_api, deliver, refunded, status
):
    order = shopper.checkout((make_product(price_minor=5000), 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_visa")  # the tab closed: no report
    refund = stripe_api.v1.refunds.create(
        {"payment_intent": intent["intent_id"], "amount": refunded}
    )  # from the Dashboard, right away

    assert deliver("refund.created", refund.id) == (200, "processed")
    assert reload(order).status == "pending"  # not paid yet, as far as the shop knows
    assert deliver("payment_intent.succeeded", intent["intent_id"]) == (200, "processed")

    order = reload(order)
    assert (order.status, order.amount_refunded_minor) == (status, refunded)
    assert order.paid_at is not None


def test_a_processing_answer_older_than_the_failure_does_not_hold_the_order(
    app, shopper, make_product, sandbox, stripe_api, deliver
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_sandbox_processing")
    # The pay page's report reads the intent from Stripe while it is processing...
    slow_answer = stripe_api.v1.payment_intents.retrieve(intent["intent_id"]).to_dict()
    assert slow_answer["status"] == "processing"
    # ...the bank fails the payment, and its webhook lands before the report does.
    sandbox.control.settle(intent["intent_id"], "failed")
    assert deliver("payment_intent.payment_failed", intent["intent_id"]) == (200, "processed")

    with app.test_request_context():
        payments.sync_payment(slow_answer, source="pay page")
        db.session.commit()

    assert reload(order).status == "pending"  # the customer can pay again
    # A new attempt is a new charge: its processing is news.
    response, error, _ = shopper.pay(order, "pm_card_sandbox_processing")
    assert error is None and response.get_json()["status"] == "processing"
    assert reload(order).status == "processing"


def test_a_decline_reported_in_an_older_api_versions_shape_counts_once(
    shopper, make_product, stripe_api
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, error, _ = shopper.pay(order, "pm_card_visa_chargeDeclined")
    assert error is not None
    [event] = stripe_api.v1.events.list({"type": "payment_intent.payment_failed"}).data
    old_shape = event.to_dict()
    # Before API version 2022-11-15 an intent listed its `charges`: no `latest_charge`.
    old_shape["data"]["object"].pop("latest_charge")
    payload = json.dumps(old_shape).encode()

    assert webhooks.receive(payload, signed(payload)) == (200, "processed")

    failures = db.session.execute(db.select(OrderEvent).where(
        OrderEvent.order_id == order.id, OrderEvent.kind == "payment_failed")).scalars().all()
    assert len(failures) == 1  # one decline, one entry: payment health counts it once


def test_a_late_event_about_an_ended_dispute_does_not_hide_an_open_one(
    shopper, make_product, sandbox, deliver
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, _, intent = shopper.pay(order, "pm_card_visa")
    first = sandbox.control.create_dispute(intent["intent_id"])
    sandbox.control.close_dispute(first["id"], "won")
    second = sandbox.control.create_dispute(intent["intent_id"], reason="product_not_received")

    assert deliver("charge.dispute.created", second["id"]) == (200, "processed")
    assert deliver("charge.dispute.closed", first["id"]) == (200, "processed")  # late

    assert reload(order).dispute_status == "needs_response"  # still to answer


def test_a_failed_event_tells_the_admin_what_stripe_said_not_the_customer_notice(
    shopper, make_product, sandbox, deliver
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_visa")
    sandbox.control.fault(f"/v1/payment_intents/{intent['intent_id']}", "error", count=10,
                          method="GET")

    assert deliver("payment_intent.succeeded", intent["intent_id"]) == (500, "failed")

    [stored] = db.session.execute(db.select(StripeEvent)).scalars().all()
    assert stored.last_error.startswith("PaymentsUnavailable (APIError: ")
    assert "your order is saved" not in stored.last_error


@pytest.mark.parametrize("first", ["lost", "won"])
def test_with_every_dispute_ended_the_order_shows_the_same_whatever_came_first(
    shopper, make_product, sandbox, deliver, first
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, _, intent = shopper.pay(order, "pm_card_visa")
    disputes = {}
    for outcome in ("lost", "won"):
        disputes[outcome] = sandbox.control.create_dispute(intent["intent_id"])
        sandbox.control.close_dispute(disputes[outcome]["id"], outcome)

    for outcome in (first, "won" if first == "lost" else "lost"):
        assert deliver("charge.dispute.closed", disputes[outcome]["id"]) == (200, "processed")

    assert reload(order).dispute_status == "lost"  # the money taken back shows


def test_an_answer_read_before_the_customer_paid_does_not_undo_processing(
    app, shopper, make_product, stripe_api, deliver
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    # Reconcile reads the intent while it still waits for a card...
    slow_answer = stripe_api.v1.payment_intents.retrieve(intent["intent_id"]).to_dict()
    # ...the customer pays with a card that processes, and its webhook lands first.
    shopper.confirm_at_stripe(intent, "pm_card_sandbox_processing")
    assert deliver("payment_intent.processing", intent["intent_id"]) == (200, "processed")

    with app.test_request_context():
        payments.sync_payment(slow_answer, source="reconcile")
        db.session.commit()

    order = reload(order)
    assert order.status == "processing"  # not payable again, and not expired as unpaid
    assert order.payments[0].status == "processing"


def payment_failures(order) -> list[OrderEvent]:
    return db.session.execute(db.select(OrderEvent).where(
        OrderEvent.order_id == order.id, OrderEvent.kind == "payment_failed")).scalars().all()


def test_each_failed_bank_check_after_a_decline_is_an_attempt_of_its_own(
    shopper, make_product, sandbox, deliver
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    _, error = shopper.confirm_at_stripe(intent, "pm_card_visa_chargeDeclined")
    assert error is not None
    shopper.report(order, intent["intent_id"])
    for _ in range(2):  # two more cards, each failing its 3-D Secure check: no charge
        confirmed, _ = shopper.confirm_at_stripe(intent, "pm_card_threeDSecure2Required")
        assert confirmed["status"] == "requires_action"
        sandbox.control.authenticate(intent["intent_id"], "fail", intent["client_secret"])
        assert shopper.report(order, intent["intent_id"]).get_json()["status"] == "pending"
    # The last failure's webhook after the page's report: the same attempt, not a fourth.
    assert deliver("payment_intent.payment_failed", intent["intent_id"]) == (200, "processed")

    assert len(payment_failures(order)) == 3  # payment health counts every attempt


def test_an_open_snapshot_read_before_the_dispute_was_won_does_not_reopen_it(
    app, shopper, make_product, sandbox, stripe_api, deliver
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, _, intent = shopper.pay(order, "pm_card_visa")
    opened = sandbox.control.create_dispute(intent["intent_id"])
    # Reconcile reads the dispute while it is still open...
    slow_answer = stripe_api.v1.disputes.retrieve(opened["id"]).to_dict()
    assert slow_answer["status"] == "needs_response"
    # ...the shop wins it, and its webhook lands first.
    sandbox.control.close_dispute(opened["id"], "won")
    assert deliver("charge.dispute.closed", opened["id"]) == (200, "processed")

    with app.test_request_context():
        sync_dispute(slow_answer)
        db.session.commit()

    order = reload(order)
    assert order.dispute_status == "won"
    assert [d.status for d in order.disputes] == ["won"]
