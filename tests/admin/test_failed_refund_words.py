"""Failed refunds as the admin is told of them: a dispute the shop won hands back every
refund it made fail, each one named, and a reason Stripe gives that the shop does not
know still reads as a sentence."""

import pytest

from shop.extensions import db
from shop.models import Refund
from shop.services import failed_refunds
from tests.admin.test_refunded_another_way import (
    disputed_meanwhile,
    disputed_until,
    failed_refunds_on_dashboard,
    owed_entries,
)
from tests.admin.test_refunds import paid_with, refund_form, send, sync_from_stripe
from tests.payments_support import reload


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


def test_a_dispute_won_names_each_refund_it_made_fail(boss, shopper, make_product, sandbox,
                                                      deliver):
    order = paid_with(shopper, make_product, "pm_card_refundFail")  # refunds fail later
    send(boss, order, {**refund_form(boss, order), "amount": "10.00"})
    send(boss, order, refund_form(boss, order))  # the $15.00 left
    sandbox.control.advance(3600)  # both fail at Stripe
    sync_from_stripe(boss, order)
    ten, fifteen = (disputed_meanwhile(refund) for refund in
                    sorted(reload(order).refunds, key=lambda refund: refund.amount_minor))

    disputed_until("won", reload(order), sandbox, deliver)

    assert sorted(owed_entries(order)) == sorted(
        f"The dispute was won, so the refund of {amount} ({refund.stripe_refund_id}) that"
        " failed when the payment was disputed never reached the customer: refund them"
        " again, or another way." for amount, refund in (("$10.00", ten), ("$15.00", fifteen)))
    assert failed_refunds_on_dashboard(boss) == f"2 (order {order.number})"


def test_a_refund_failed_for_a_reason_the_shop_does_not_know_says_stripe_gave_none(
    boss, shopper, make_product, sandbox
):
    order = paid_with(shopper, make_product, "pm_card_refundFail")  # refunds fail later
    send(boss, order, refund_form(boss, order))
    sandbox.control.advance(3600)  # the refund fails at Stripe
    sync_from_stripe(boss, order)
    [refund] = reload(order).refunds
    # A reason Stripe added after the shop was written (the sandbox gives only one).
    db.session.execute(db.update(Refund).where(Refund.id == refund.id)
                       .values(failure_reason="unknown"))
    db.session.commit()

    assert failed_refunds.failure_text(db.session.get(Refund, refund.id), order) == (
        "Refund of $25.00 failed: Stripe gave no reason. The amount is back in the Stripe"
        " balance; refund the customer another way.")
