"""A refund or dispute Stripe reports before the shop holds the payment it is about.

The shop writes a payment's row before any money moves, but a database restored
from a backup taken between a Pay click and its webhook has lost it. Stripe
delivers the payment's refunds and disputes in no set order with its
`payment_intent.succeeded`, so the first of them to land brings the payment in, and
each counts once, whichever comes first or both at once.
"""

import threading

import pytest

from shop.extensions import db
from shop.models import Dispute, Order, OrderEvent, Payment, Refund
from tests.payments_support import eventually, reload

PRICE = 2400


@pytest.fixture
def paid_row_lost(shopper, make_product):
    """Factory: an order Stripe took payment for whose payment row the shop lost.

    A guest pays with a new card, the page's report is lost, and the database then
    comes back from a backup taken after checkout: it has the order, still pending,
    but nothing of the payment. Returns (order, intent id).
    """

    def make() -> tuple[Order, str]:
        order = shopper.checkout((make_product(price_minor=PRICE), 1))
        started = shopper.start(order).get_json()
        confirmed, error = shopper.confirm_at_stripe(started, "pm_card_visa")
        assert error is None and confirmed["status"] == "succeeded"
        db.session.execute(db.delete(OrderEvent).where(OrderEvent.kind == "intent_created"))
        db.session.execute(db.delete(Payment))
        db.session.commit()
        assert payments() == [] and reload(order).status == "pending"
        return order, started["intent_id"]

    return make


def payments() -> list[Payment]:
    return db.session.execute(db.select(Payment)).scalars().all()


def stored(model) -> list:
    return db.session.execute(db.select(model)).scalars().all()


def times_paid(order: Order) -> int:
    return db.session.execute(db.select(db.func.count()).where(
        OrderEvent.order_id == order.id, OrderEvent.kind == "status_paid")).scalar_one()


def test_a_dispute_before_the_payment_is_kept_and_the_order_paid_once(
    paid_row_lost, sandbox, deliver
):
    order, intent_id = paid_row_lost()
    dispute = sandbox.control.create_dispute(intent_id)

    assert deliver("charge.dispute.created", dispute["id"]) == (200, "processed")
    order = reload(order)
    assert (order.status, order.dispute_status) == ("paid", "needs_response")
    assert deliver("payment_intent.succeeded", intent_id) == (200, "processed")

    order = reload(order)
    assert (order.status, order.dispute_status) == ("paid", "needs_response")
    [payment] = payments()
    assert (payment.intent_id, payment.status) == (intent_id, "succeeded")
    [kept] = stored(Dispute)
    assert (kept.stripe_dispute_id, kept.payment_id) == (dispute["id"], payment.id)
    assert times_paid(order) == 1


@pytest.mark.parametrize("first", ["refund.created", "charge.refunded"])
def test_a_dashboard_refund_before_the_payment_counts_once(
    paid_row_lost, stripe_api, deliver, first
):
    order, intent_id = paid_row_lost()
    refund = stripe_api.v1.refunds.create({"payment_intent": intent_id, "amount": 1000})
    about = {"refund.created": refund.id, "charge.refunded": refund.charge}

    assert deliver(first, about[first]) == (200, "processed")
    order = reload(order)
    assert (order.status, order.amount_refunded_minor) == ("partially_refunded", 1000)
    second = "charge.refunded" if first == "refund.created" else "refund.created"
    assert deliver(second, about[second]) == (200, "processed")
    assert deliver("payment_intent.succeeded", intent_id) == (200, "processed")

    order = reload(order)
    assert (order.status, order.amount_refunded_minor) == ("partially_refunded", 1000)
    [payment] = payments()
    assert payment.amount_refunded_minor == 1000
    [kept] = stored(Refund)
    assert (kept.stripe_refund_id, kept.payment_id, kept.status) == (
        refund.id, payment.id, "succeeded")
    assert times_paid(order) == 1


@pytest.mark.parametrize("names", ["nothing", "another database's order"])
def test_refunds_and_disputes_of_a_payment_for_no_order_here_are_still_ignored(
    shopper, make_product, sandbox, stripe_api, deliver, names
):
    order = shopper.checkout((make_product(price_minor=PRICE), 1))
    metadata = {
        "nothing": {},
        # A shop started afresh on the same Stripe account: the same id, another order.
        "another database's order": {"order_id": str(order.id), "order_number": "ELSEWHERE1"},
    }[names]
    intent = stripe_api.v1.payment_intents.create({
        "amount": PRICE, "currency": order.currency, "metadata": metadata,
        "payment_method": "pm_card_visa", "confirm": True,
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}})
    refund = stripe_api.v1.refunds.create({"payment_intent": intent.id, "amount": 1000})
    dispute = sandbox.control.create_dispute(intent.id)
    timeline = len(reload(order).events)

    assert deliver("refund.created", refund.id) == (200, "ignored")
    assert deliver("charge.refunded", refund.charge) == (200, "ignored")
    assert deliver("charge.dispute.created", dispute["id"]) == (200, "ignored")

    assert (stored(Payment), stored(Refund), stored(Dispute)) == ([], [], [])
    order = reload(order)
    assert (order.status, order.amount_refunded_minor, order.dispute_status) == (
        "pending", 0, None)
    assert len(order.events) == timeline


def test_a_payment_landing_while_a_disputes_retry_waits_on_stripe_counts_once(
    paid_row_lost, sandbox, deliver, runner
):
    order, intent_id = paid_row_lost()
    dispute = sandbox.control.create_dispute(intent_id)
    # Reading the intent fails: the dispute is not dropped but stored failed, for a retry.
    sandbox.control.fault("/v1/payment_intents/", "error", count=3, method="GET")
    assert deliver("charge.dispute.created", dispute["id"]) == (500, "failed")
    # The admin retries it; Stripe is slow to answer, and the payment's event lands meanwhile.
    sandbox.control.fault("/v1/payment_intents/", "slow", count=1, seconds=2, method="GET")
    retried = {}
    retry = threading.Thread(target=lambda: retried.update(
        result=runner.invoke(args=["stripe", "events", "reprocess", "--failed"])))
    retry.start()
    eventually(lambda: sandbox.control.faults() == [], "the retry waits on Stripe")

    assert deliver("payment_intent.succeeded", intent_id) == (200, "processed")
    assert retry.is_alive()  # the payment is stored while the retry still waits
    retry.join()

    assert retried["result"].exit_code == 0, retried["result"].output
    assert "1 event(s) reprocessed, 0 failed again." in retried["result"].output
    order = reload(order)
    assert (order.status, order.dispute_status) == ("paid", "needs_response")
    [payment] = payments()
    [kept] = stored(Dispute)
    assert kept.payment_id == payment.id
    assert times_paid(order) == 1
