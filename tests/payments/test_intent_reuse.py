"""The order's PaymentIntent across tabs, lost reports and intents Stripe lost: one
payment in flight is never doubled, the admin hears of a lost one, and a decline
whose report was lost is recorded on the next click."""

from shop.extensions import db
from shop.models import OrderEvent
from tests.payments_support import reload


def test_a_click_on_an_order_whose_payment_is_in_flight_in_another_tab_starts_no_other(
    shopper, make_product, stripe_api
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    started = shopper.start(order).get_json()
    confirmed, _ = shopper.confirm_at_stripe(started, "pm_card_sandbox_processing")
    assert confirmed["status"] == "processing"  # the bank takes its time; the tab closed

    again = shopper.start(order)  # the customer, unsure, pays from another tab

    assert again.status_code == 409
    assert again.get_json()["redirect"] == f"/orders/{order.number}"
    assert reload(order).status == "processing"
    assert [intent.id for intent in stripe_api.v1.payment_intents.list().data] == [
        started["intent_id"]]  # nothing more to pay, nor charged twice


def test_a_click_after_stripe_lost_the_intent_tells_the_admin(shopper, make_product, sandbox):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    first = shopper.start(order).get_json()
    sandbox.control.reset()  # the Dashboard's "Delete all test data"

    assert shopper.start(order).status_code == 200

    notes = db.session.execute(
        db.select(OrderEvent.message).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == "attention")
    ).scalars().all()
    assert notes == [f"Stripe has no payment {first['intent_id']} (test data deleted, or"
                     " other keys)."]


def test_a_decline_whose_report_was_lost_is_on_the_payment_after_the_next_click(
    shopper, make_product
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    started = shopper.start(order).get_json()
    _, error = shopper.confirm_at_stripe(started, "pm_card_visa_chargeDeclinedInsufficientFunds")
    assert error is not None  # the tab closed before reporting it; no webhook came

    again = shopper.start(order)  # the customer tries again

    assert again.status_code == 200 and again.get_json()["intent_id"] == started["intent_id"]
    [payment] = reload(order).payments
    assert (payment.status, payment.failure_code, payment.failure_message) == (
        "requires_payment_method", "insufficient_funds", "Your card has insufficient funds.")
