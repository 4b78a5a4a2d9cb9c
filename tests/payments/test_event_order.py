"""Stripe sends events in no set order; the order ends as Stripe holds it either way."""

import pytest

from tests.payments_support import reload


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
