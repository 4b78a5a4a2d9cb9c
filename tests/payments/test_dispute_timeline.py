"""Disputes told to the shop late or out of order: the order shows the dispute as it
ended, and its timeline says Stripe told it."""

from shop.extensions import db
from shop.models import OrderEvent, StripeEvent
from shop.services.disputes import sync_dispute
from tests.payments_support import reload


def test_an_inquiry_read_while_open_does_not_reopen_it_once_closed_without_a_chargeback(
    app, shopper, make_product, sandbox, stripe_api
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, _, intent = shopper.pay(order, "pm_card_visa")
    # The bank's inquiry (warning_*), which the sandbox does not open: Stripe's dispute as
    # it would send it for one.
    opened = stripe_api.v1.disputes.retrieve(
        sandbox.control.create_dispute(intent["intent_id"])["id"]).to_dict()
    slow_answer = {**opened, "status": "warning_under_review"}  # read by reconcile, late
    with app.test_request_context():
        sync_dispute({**opened, "status": "warning_needs_response"})
        sync_dispute({**opened, "status": "warning_closed"})  # the bank let it go
        db.session.commit()

    with app.test_request_context():
        sync_dispute(slow_answer)
        db.session.commit()

    order = reload(order)
    assert order.dispute_status == "warning_closed"
    assert [d.status for d in order.disputes] == ["warning_closed"]


def test_the_timeline_says_stripe_told_the_shop_of_a_dispute_and_links_its_event(
    shopper, make_product, sandbox, deliver
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, _, intent = shopper.pay(order, "pm_card_visa")
    dispute = sandbox.control.create_dispute(intent["intent_id"])

    assert deliver("charge.dispute.created", dispute["id"]) == (200, "processed")

    event_id = db.session.execute(
        db.select(StripeEvent.id).where(StripeEvent.type == "charge.dispute.created")
    ).scalar_one()
    entries = db.session.execute(
        db.select(OrderEvent.message, OrderEvent.actor, OrderEvent.stripe_event_id).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == "dispute")
    ).all()
    assert entries == [("Dispute needs response (fraudulent) for $25.00.", "stripe", event_id)]
