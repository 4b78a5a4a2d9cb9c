"""What happens at Stripe outside the pay page (a bank's challenge, the Dashboard, a
refund the bank returns, a dispute decided) reaches the order through its webhook, and
an intent that is not the order's own never counts for it (DESIGN.md §4-§6)."""

import logging

import pytest

from shop.extensions import db
from shop.models import OrderEvent, Product
from shop.services import refunds
from tests.payments_support import EXPIRED_CARD_REFUND, reload, settle_webhooks


def timeline(order) -> list[tuple[str, str]]:
    return list(db.session.execute(
        db.select(OrderEvent.kind, OrderEvent.message)
        .where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
    ).all())


def test_a_challenge_stripe_asks_for_goes_on_the_timeline(shopper, make_product, deliver):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    confirmed, _ = shopper.confirm_at_stripe(intent, "pm_card_threeDSecure2Required")
    assert confirmed["status"] == "requires_action"  # the customer closes the tab here

    assert deliver("payment_intent.requires_action", intent["intent_id"]) == (200, "processed")

    order = reload(order)
    assert order.status == "pending"
    assert ("authentication", "Stripe asked the customer to authenticate.") in timeline(order)


def test_an_intent_cancelled_in_the_dashboard_cancels_the_order_and_frees_its_stock(
    shopper, make_product, sandbox, stripe_api, webhooks_on
):
    kettle = make_product(name="Kettle", price_minor=2500, stock=3)
    order = shopper.checkout((kettle, 2))
    intent = shopper.start(order).get_json()
    assert db.session.get(Product, kettle.id).stock == 1

    stripe_api.v1.payment_intents.cancel(intent["intent_id"])
    settle_webhooks(sandbox)

    assert reload(order).status == "canceled"
    assert db.session.get(Product, kettle.id).stock == 3
    page = shopper.client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Its payment was cancelled." in page
    assert "Nothing was charged, and the items went back on the shelf." in page


def test_a_refund_the_bank_returns_gives_the_order_back_its_payment(
    shopper, make_product, sandbox, stripe_api, deliver, caplog
):
    caplog.set_level(logging.INFO)
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, error, intent = shopper.pay(order, "pm_card_refundFail")  # its refunds fail later
    assert error is None
    refund = stripe_api.v1.refunds.create({"payment_intent": intent["intent_id"]})  # Dashboard
    assert deliver("refund.created", refund.id) == (200, "processed")
    assert reload(order).status == "refunded"

    sandbox.control.advance(3600)  # the bank returns the money: the refund failed
    assert deliver("refund.failed", refund.id) == (200, "processed")

    order = reload(order)
    assert (order.status, order.amount_refunded_minor) == ("paid", 0)
    assert ("refund_failed", EXPIRED_CARD_REFUND) in timeline(order)

    # Read again (by its next event, by reconcile): still one entry, and one log line.
    assert deliver("refund.updated", refund.id) == (200, "processed")
    assert [kind for kind, _ in timeline(order)].count("refund_failed") == 1
    logged = [r.getMessage() for r in caplog.records
              if '"action": "refund.failed"' in r.getMessage()]
    assert len(logged) == 1 and '"reason": "expired_or_canceled_card"' in logged[0]


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_a_dispute_decided_at_stripe_shows_on_the_order(
    shopper, make_product, sandbox, deliver, outcome
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, _, intent = shopper.pay(order, "pm_card_visa")
    dispute = sandbox.control.create_dispute(intent["intent_id"])
    assert deliver("charge.dispute.created", dispute["id"]) == (200, "processed")
    assert reload(order).dispute_status == "needs_response"

    sandbox.control.close_dispute(dispute["id"], outcome)
    # Only the update arrives (its .closed is still on the way): it is enough.
    assert deliver("charge.dispute.updated", dispute["id"]) == (200, "processed")

    assert reload(order).dispute_status == outcome


def test_the_orders_own_intent_changed_to_another_currency_never_pays_it(
    shopper, make_product, stripe_api, deliver
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    # The same amount in euros, set on the intent at Stripe (another integration, the
    # Dashboard), then paid.
    stripe_api.v1.payment_intents.update(intent["intent_id"], {"currency": "eur"})
    confirmed, error = shopper.confirm_at_stripe(intent, "pm_card_visa")
    assert error is None and (confirmed["amount"], confirmed["currency"]) == (2500, "eur")

    reported = shopper.report(order, intent["intent_id"])
    assert reported.status_code == 404
    assert deliver("payment_intent.succeeded", intent["intent_id"]) == (200, "ignored")
    assert reload(order).status == "pending"


def test_an_intent_naming_the_order_in_another_currency_never_pays_it(
    shopper, make_product, stripe_api, deliver
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    elsewhere = stripe_api.v1.payment_intents.create({
        "amount": 2500, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True,
        "metadata": {"order_id": str(order.id), "order_number": order.number},
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}})
    assert elsewhere.status == "succeeded"

    assert shopper.report(order, elsewhere.id).status_code == 404
    assert deliver("payment_intent.succeeded", elsewhere.id) == (200, "ignored")
    order = reload(order)
    assert (order.status, order.payments) == ("pending", [])


def test_a_refund_cancelled_at_stripe_says_so_and_refunds_nothing(app, shopper, make_product,
                                                                 stripe_api):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    shopper.pay(order, "pm_card_pendingRefund")  # its refunds wait before they succeed
    pending = stripe_api.v1.refunds.create({"payment_intent": order.payments[0].intent_id})
    # Stripe cancels only some methods' refunds and the sandbox none: its own refund,
    # as Stripe sends it once cancelled.
    cancelled = {**pending.to_dict(), "status": "canceled"}

    with app.test_request_context():
        refunds.sync_refund(pending.to_dict())
        refunds.sync_refund(cancelled)
        db.session.commit()

    order = reload(order)
    assert (order.status, order.amount_refunded_minor) == ("paid", 0)
    assert ("refund_canceled", "Refund of $25.00 canceled.") in timeline(order)
    page = shopper.client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Thank you" in page


def order_with_two_intents(shopper, sandbox, product, quantity=1):
    """An order whose first intent Stripe lost for a moment, so the Pay click started a
    second one: the order holds both."""
    order = shopper.checkout((product, quantity))
    first = shopper.start(order).get_json()
    sandbox.control.fault(f"/v1/payment_intents/{first['intent_id']}", "not_found", count=1,
                          method="GET")  # one answer from another account's keys
    second = shopper.start(order).get_json()
    assert second["intent_id"] != first["intent_id"]
    return order, first, second


def test_an_old_intent_cancelled_at_stripe_leaves_the_order_payable_with_its_new_one(
    shopper, make_product, sandbox, stripe_api, deliver
):
    kettle = make_product(name="Kettle", price_minor=2500, stock=3)
    order, first, second = order_with_two_intents(shopper, sandbox, kettle, 2)

    stripe_api.v1.payment_intents.cancel(first["intent_id"])  # the Dashboard tidies up
    assert deliver("payment_intent.canceled", first["intent_id"]) == (200, "processed")

    assert reload(order).status == "pending"
    assert db.session.get(Product, kettle.id).stock == 1
    _, error = shopper.confirm_at_stripe(second, "pm_card_visa")
    assert error is None
    assert shopper.report(order, second["intent_id"]).get_json()["status"] == "paid"


def test_both_intents_cancelled_at_stripe_cancel_the_order_and_free_its_stock(
    shopper, make_product, sandbox, stripe_api, deliver
):
    kettle = make_product(name="Kettle", price_minor=2500, stock=3)
    order, first, second = order_with_two_intents(shopper, sandbox, kettle, 2)

    for intent in (first, second):
        stripe_api.v1.payment_intents.cancel(intent["intent_id"])
        assert deliver("payment_intent.canceled", intent["intent_id"]) == (200, "processed")

    assert reload(order).status == "canceled"
    assert db.session.get(Product, kettle.id).stock == 3


def test_a_dispute_opened_then_decided_leaves_both_on_the_timeline(
    shopper, make_product, sandbox, deliver
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, _, intent = shopper.pay(order, "pm_card_visa")
    dispute = sandbox.control.create_dispute(intent["intent_id"])
    assert deliver("charge.dispute.created", dispute["id"]) == (200, "processed")
    sandbox.control.close_dispute(dispute["id"], "lost")
    assert deliver("charge.dispute.closed", dispute["id"]) == (200, "processed")

    disputes = [message for kind, message in timeline(reload(order)) if kind == "dispute"]
    assert disputes == ["Dispute needs response (fraudulent) for $25.00.",
                        "Dispute lost (fraudulent) for $25.00."]


def test_a_challenge_for_each_card_tried_goes_on_the_timeline(shopper, make_product, sandbox):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    for card in ("pm_card_threeDSecure2Required", "pm_card_authenticationRequired"):
        confirmed, _ = shopper.confirm_at_stripe(intent, card)
        assert confirmed["status"] == "requires_action"
        assert shopper.report(order, intent["intent_id"]).get_json()["status"] == "pending"
        # The customer gives up on this card's challenge and tries another card.
        sandbox.control.authenticate(intent["intent_id"], "fail", intent["client_secret"])

    challenges = [kind for kind, _ in timeline(reload(order)) if kind == "authentication"]
    assert challenges == ["authentication", "authentication"]
