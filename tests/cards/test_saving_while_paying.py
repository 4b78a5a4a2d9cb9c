"""What a payment asks Stripe to save, and for whom: paying with a saved card signs the
card up for nothing more, and a card saved after the customer was deleted at Stripe
goes to the customer the user has now."""

import secrets

import pytest

from shop.extensions import db
from shop.models import User
from shop.services import cards
from tests.payments_support import reload


@pytest.fixture
def product(make_product):
    return make_product(name="Enamel mug", price_minor=2400, stock=20)


def test_paying_with_a_saved_card_asks_stripe_to_save_nothing(
    customer, cards_page, shopper, product, stripe_api
):
    user = customer()
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(user)
    order = shopper.checkout((product, 1), email=user.email)

    response = shopper.client.post(f"/orders/{order.number}/saved-card",
                                   json={"card_id": card.id, "attempt": secrets.token_hex(16)})

    assert response.status_code == 200 and response.get_json()["status"] == "succeeded"
    intent = stripe_api.v1.payment_intents.retrieve(response.get_json()["intent_id"])
    assert intent.customer == db.session.get(User, user.id).stripe_customer_id
    assert intent.setup_future_usage is None  # no new off-session consent was asked for
    assert reload(order).status == "paid"


def test_a_card_saved_after_the_customer_was_deleted_at_stripe_goes_to_the_new_customer(
    customer, shopper, product, stripe_api, deliver
):
    user = customer()
    order = shopper.checkout((product, 1), email=user.email)
    started = shopper.start(order, save_card=True).get_json()  # the box ticked, then left
    first_customer = db.session.get(User, user.id).stripe_customer_id
    stripe_api.v1.customers.delete(first_customer)  # in the Dashboard
    assert deliver("customer.deleted", first_customer) == (200, "processed")

    again = shopper.start(order, save_card=True).get_json()  # back, the box ticked again
    assert again["intent_id"] == started["intent_id"]
    _, error = shopper.confirm_at_stripe(again, "pm_card_visa")
    assert error is None
    assert shopper.report(order, again["intent_id"]).get_json()["status"] == "paid"

    second_customer = db.session.get(User, user.id).stripe_customer_id
    assert second_customer not in (None, first_customer)
    [card] = cards.all_cards(user)
    at_stripe = stripe_api.v1.payment_methods.retrieve(card.stripe_payment_method_id)
    assert at_stripe.customer == second_customer
