"""Reconcile in a Stripe account the shop shares with others (a developer's script, a
staging copy, another app): what Stripe holds that is no order here is passed over."""

from datetime import UTC, datetime

from shop.extensions import db
from shop.services import reconcile
from tests.payments_support import reload


def test_reconcile_passes_over_payments_refunds_and_disputes_that_are_no_order_here(
    shopper, make_product, runner, sandbox, stripe_api
):
    # Someone else's payment in the same account, refunded in part and then disputed.
    stranger = stripe_api.v1.payment_intents.create(params={
        "amount": 1800, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
    })
    assert stranger.status == "succeeded"
    stripe_api.v1.refunds.create(params={"payment_intent": stranger.id, "amount": 500})
    sandbox.control.create_dispute(stranger.id)
    # And one of the shop's own, paid with the report lost.
    order = shopper.checkout((make_product(price_minor=3000), 1))
    shopper.confirm_at_stripe(shopper.start(order).get_json(), "pm_card_visa")

    result = runner.invoke(args=["stripe", "reconcile"])

    assert result.exit_code == 0, result.output
    assert f"{order.number}: pending → paid" in result.output
    assert "1 change(s)." in result.output
    assert reload(order).status == "paid"


def test_reconcile_since_a_moment_includes_what_stripe_made_in_that_very_second(
    shopper, make_product, sandbox, stripe_api
):
    order = shopper.checkout((make_product(price_minor=3000), 1))
    _, error, intent = shopper.pay(order, "pm_card_visa")
    assert error is None
    sandbox.control.advance(120)  # later on, a refund in the Dashboard; its webhook lost
    refund = stripe_api.v1.refunds.create(
        params={"payment_intent": intent["intent_id"], "amount": 500})

    changes = [c for c in reconcile.reconcile(datetime.fromtimestamp(refund.created, UTC)) if c]
    db.session.commit()

    assert changes == [f"{order.number}: paid → partially refunded, refunded $0.00 → $5.00,"
                       f" refund {refund.id} succeeded (new)"]
    assert reload(order).status == "partially_refunded"
