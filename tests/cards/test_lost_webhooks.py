"""Cards and customers changed at Stripe whose webhooks never reached the shop: the
next time Stripe refuses one, the shop catches up instead of failing every time."""

import secrets

import pytest

from shop.extensions import db
from shop.models import User
from shop.services import cards
from tests.payments_support import reload

CARD_GONE = "This card is no longer available; choose another card."


@pytest.fixture
def product(make_product):
    return make_product(name="Enamel mug", price_minor=2400, stock=20)


def test_paying_with_a_card_detached_at_stripe_drops_it_and_says_so(
    customer, cards_page, shopper, product, stripe_api
):
    user = customer()
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_mastercard")
    visa, mastercard = sorted(cards.all_cards(user), key=lambda card: card.id)
    stripe_api.v1.payment_methods.detach(visa.stripe_payment_method_id)  # no webhook came
    order = shopper.checkout((product, 1), email=user.email)

    response = shopper.client.post(f"/orders/{order.number}/saved-card",
                                   json={"card_id": visa.id, "attempt": secrets.token_hex(16)})

    assert response.status_code == 409
    assert response.get_json() == {"error": CARD_GONE, "card_gone": True}
    assert [card.id for card in cards.all_cards(user)] == [mastercard.id]
    assert mastercard.is_default
    page = shopper.client.get(f"/orders/{order.number}/pay").get_data(as_text=True)
    assert "•••• 4242" not in page and f'value="{mastercard.id}" checked' in page
    assert reload(order).status == "pending"


def test_making_a_card_detached_at_stripe_default_drops_it_and_says_so(
    customer, cards_page, client, stripe_api
):
    user = customer()
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_mastercard")
    visa, mastercard = sorted(cards.all_cards(user), key=lambda card: card.id)
    stripe_api.v1.payment_methods.detach(mastercard.stripe_payment_method_id)

    response = client.post(f"/account/cards/{mastercard.id}/default")

    assert response.status_code == 302
    page = client.get("/account/cards").get_data(as_text=True)
    assert CARD_GONE in page and "•••• 4444" not in page
    assert [card.id for card in cards.all_cards(user)] == [visa.id]
    assert visa.is_default


def test_removing_a_card_already_detached_at_stripe_removes_it(
    customer, cards_page, client, stripe_api
):
    user = customer()
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_mastercard")
    visa, mastercard = sorted(cards.all_cards(user), key=lambda card: card.id)
    stripe_api.v1.payment_methods.detach(visa.stripe_payment_method_id)  # no webhook came

    response = client.post(f"/account/cards/{visa.id}/remove")

    assert response.status_code == 302
    page = client.get("/account/cards").get_data(as_text=True)
    assert "Visa •••• 4242 was removed. Mastercard •••• 4444 is now your default card." in page
    assert [card.id for card in cards.all_cards(user)] == [mastercard.id]
    assert mastercard.is_default


@pytest.mark.parametrize("gone", ["deleted", "test data deleted"])
def test_a_customer_deleted_at_stripe_without_its_webhook_can_add_a_card(
    customer, cards_page, client, sandbox, stripe_api, gone
):
    user = customer()
    cards_page.add("pm_card_visa")
    first_customer = db.session.get(User, user.id).stripe_customer_id
    if gone == "deleted":  # Stripe still shows it, as deleted; customer.deleted never came
        stripe_api.v1.customers.delete(first_customer)
    else:  # the Dashboard's "Delete all test data": Stripe has no such customer at all
        sandbox.control.reset()

    response = cards_page.add("pm_card_mastercard")

    assert response.status_code == 302
    assert "Your card is saved." in client.get("/account/cards").get_data(as_text=True)
    second_customer = db.session.get(User, user.id).stripe_customer_id
    assert second_customer not in (None, first_customer)
    [card] = cards.all_cards(user)
    assert card.last4 == "4444" and card.is_default
    at_stripe = stripe_api.v1.payment_methods.retrieve(card.stripe_payment_method_id)
    assert at_stripe["customer"] == second_customer


def test_a_customer_deleted_at_stripe_without_its_webhook_can_pay_and_save_the_card(
    customer, cards_page, shopper, product, stripe_api
):
    user = customer()
    cards_page.add("pm_card_visa")
    first_customer = db.session.get(User, user.id).stripe_customer_id
    stripe_api.v1.customers.delete(first_customer)  # customer.deleted never came
    order = shopper.checkout((product, 1), email=user.email)

    response, error, _ = shopper.pay(order, "pm_card_mastercard", save_card=True)

    assert error is None and response.get_json()["status"] == "paid"
    assert reload(order).status == "paid"
    second_customer = db.session.get(User, user.id).stripe_customer_id
    assert second_customer not in (None, first_customer)
    assert [card.last4 for card in cards.all_cards(user)] == ["4444"]


def test_a_not_found_answer_about_a_customer_stripe_still_has_keeps_its_cards(
    customer, cards_page, client, sandbox, stripe_api
):
    user = customer()
    cards_page.add("pm_card_visa")
    customer_id = db.session.get(User, user.id).stripe_customer_id
    # One "No such ..." answer (another account's keys for a moment, a blip at Stripe).
    sandbox.control.fault("/v1/setup_intents", mode="not_found", count=1, method="POST")

    response = cards_page.start("attempt-notfound-0123456789")

    assert response.status_code == 502 and response.get_json()["error"]
    assert db.session.get(User, user.id).stripe_customer_id == customer_id
    [card] = cards.all_cards(user)
    assert card.last4 == "4242" and card.is_default
    assert "Visa •••• 4242" in client.get("/account/cards").get_data(as_text=True)
    assert "deleted" not in stripe_api.v1.customers.retrieve(customer_id)
