"""What the Payment methods pages say when Stripe fails: about cards, not orders, and
never in Stripe's developer words."""

import html
import re

from shop.extensions import db
from shop.models import User
from shop.services import cards
from shop.services.stripe_client import REFUSED

CARDS_UNAVAILABLE = ("We couldn't reach our payment provider. Please try again in a "
                     "minute.")


def _flashed(page: str) -> list[str]:
    found = re.findall(r'class="flash flash-error"[^>]*>\s*(.*?)\s*<', page, re.S)
    return [html.unescape(message) for message in found]


def test_removing_a_card_while_stripe_is_down_keeps_it(customer, cards_page, client, stripe_down):
    user = customer()
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(user)
    stripe_down("/v1/payment_methods/", method="POST")

    response = client.post(f"/account/cards/{card.id}/remove")

    assert response.status_code == 302
    page = client.get("/account/cards").get_data(as_text=True)
    assert _flashed(page) == [CARDS_UNAVAILABLE]
    assert [saved.id for saved in cards.all_cards(user)] == [card.id]


def test_starting_to_add_a_card_while_stripe_is_down(customer, cards_page, stripe_down):
    customer()
    stripe_down("/v1/customers")

    response = cards_page.start()

    assert response.status_code == 502
    assert response.get_json() == {"error": CARDS_UNAVAILABLE}


def test_returning_from_stripe_while_it_is_down(customer, cards_page, client, stripe_down):
    user = customer()
    secret = cards_page.start().get_json()["client_secret"]
    setup_intent = cards_page.confirm(secret, "pm_card_visa")
    stripe_down("/v1/setup_intents")

    response = client.get(f"/account/cards/added?setup_intent={setup_intent['id']}",
                          follow_redirects=True)

    assert response.request.path == "/account/cards/new"
    assert _flashed(response.get_data(as_text=True)) == [CARDS_UNAVAILABLE]
    assert cards.all_cards(user) == []


def test_a_refused_default_is_told_in_customer_words(customer, cards_page, client, stripe_api):
    user = customer()
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_mastercard")
    _, mastercard = sorted(cards.all_cards(user), key=lambda card: card.id)
    # Stripe now refuses the customer's changes ("No such customer: 'cus_...'").
    stripe_api.v1.customers.delete(db.session.get(User, user.id).stripe_customer_id)

    client.post(f"/account/cards/{mastercard.id}/default")

    page = client.get("/account/cards").get_data(as_text=True)
    assert _flashed(page) == [REFUSED]
    assert "No such customer" not in page
