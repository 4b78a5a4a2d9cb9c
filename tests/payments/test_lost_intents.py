"""An order whose payment Stripe no longer knows (test data deleted, other keys) can
still be paid, with a new payment of its own."""

from tests.payments_support import reload


def test_an_order_whose_payment_stripe_lost_for_good_is_paid_with_a_new_one(
    shopper, make_product, sandbox, stripe_api
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    first = shopper.start(order).get_json()["intent_id"]
    # From now on Stripe answers every call about that payment "no such payment".
    sandbox.control.fault(f"/v1/payment_intents/{first}", mode="not_found", count=1000)

    response, error, intent = shopper.pay(order, "pm_card_visa")

    assert error is None and response.get_json()["status"] == "paid"
    assert intent["intent_id"] != first
    assert stripe_api.v1.payment_intents.retrieve(intent["intent_id"]).status == "succeeded"
    order = reload(order)
    assert order.status == "paid"
    assert {p.intent_id: p.status for p in order.payments} == {
        first: "requires_payment_method", intent["intent_id"]: "succeeded"}
