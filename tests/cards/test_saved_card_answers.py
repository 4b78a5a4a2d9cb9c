"""Paying with a saved card when Stripe's answer to the click is lost on the way back."""

import secrets

from shop.extensions import db
from shop.services import cards
from tests.payments_support import reload

CARD_UNAVAILABLE = "That card is no longer available. Choose another card or enter a new one."


def _pay_with(shopper, order, card):
    return shopper.client.post(f"/orders/{order.number}/saved-card",
                               json={"card_id": card.id, "attempt": secrets.token_hex(16)})


def test_a_saved_card_payment_whose_answer_was_lost_shows_paid_on_the_next_click(
    customer, cards_page, shopper, make_product, sandbox, stripe_api
):
    user = customer()
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(user)
    order = shopper.checkout((make_product(price_minor=2400), 1), email=user.email)
    # The click's first call to the new intent (making it the customer's) goes through;
    # the confirm after it takes the money, but every answer to it is lost.
    sandbox.control.fault("/v1/payment_intents/", "slow", count=1, seconds=0, method="POST")
    sandbox.control.fault("/v1/payment_intents/", "error_after", count=1, method="POST")
    sandbox.control.fault("/v1/payment_intents/", "error", count=2, method="POST")  # retries

    lost = _pay_with(shopper, order, card)

    assert lost.status_code >= 400
    [intent] = stripe_api.v1.payment_intents.list().data
    assert intent.status == "succeeded"  # Stripe took the money
    sandbox.control.clear_faults()
    # Clicking again finds the attempt on record and the payment Stripe made of it.
    again = _pay_with(shopper, order, card)
    assert again.status_code == 409, again.get_json()
    assert again.get_json()["redirect"] == f"/orders/{order.number}"
    order = reload(order)
    assert order.status == "paid"
    assert [p.intent_id for p in order.payments] == [intent.id]


def test_a_saved_card_that_expired_while_the_page_was_open_is_refused_and_nothing_is_charged(
    customer, cards_page, shopper, make_product, stripe_api
):
    user = customer()
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(user)
    order = shopper.checkout((make_product(price_minor=2400), 1), email=user.email)
    card.exp_month, card.exp_year = 1, 2020  # time passes: it expires
    db.session.commit()

    response = _pay_with(shopper, order, card)

    assert response.status_code == 404
    assert response.get_json() == {"error": CARD_UNAVAILABLE, "card_gone": True}
    assert reload(order).status == "pending"
    assert stripe_api.v1.payment_intents.list().data == []  # no payment was even started


def test_ticking_save_in_another_tab_while_the_bank_checks_a_card_saves_nothing(
    customer, shopper, make_product, sandbox, stripe_api
):
    user = customer()
    order = shopper.checkout((make_product(price_minor=2400), 1), email=user.email)
    started = shopper.start(order, save_card=False).get_json()
    confirmed, error = shopper.confirm_at_stripe(started, "pm_card_threeDSecure2Required")
    assert error is None and confirmed["status"] == "requires_action"  # the bank's page

    # Another tab of the pay page, the box ticked there, while the bank checks the card.
    again = shopper.start(order, save_card=True)

    assert again.status_code == 200 and again.get_json()["intent_id"] == started["intent_id"]
    at_stripe = stripe_api.v1.payment_intents.retrieve(started["intent_id"])
    assert at_stripe.setup_future_usage is None and at_stripe.customer is None
    sandbox.control.authenticate(started["intent_id"], "complete")
    assert shopper.report(order, started["intent_id"]).get_json()["status"] == "paid"
    assert cards.all_cards(user) == []
