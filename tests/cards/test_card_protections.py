"""Card pages refuse forged posts and card-testing bursts."""

import pytest

from shop.services import cards
from tests.conftest import csrf_token_from


@pytest.fixture
def app_config(stripe_config):
    return {**stripe_config, "RATELIMIT_ENABLED": True, "INTENT_RATE_LIMIT": "2/minute"}


def test_setup_intent_creation_is_rate_limited_with_a_clear_message(customer, cards_page):
    customer()
    assert cards_page.start("burst-attempt-000001").status_code == 200
    assert cards_page.start("burst-attempt-000002").status_code == 200

    response = cards_page.start("burst-attempt-000003")

    assert response.status_code == 429
    assert response.get_json() == {
        "error": "Too many attempts to add a card. Please wait a minute and try again."
    }


@pytest.mark.csrf
def test_card_actions_need_the_pages_csrf_token(customer, cards_page, client):
    user = customer()
    page = client.get("/account/cards/new").get_data(as_text=True)
    token = csrf_token_from(page)
    key = "csrf-attempt-00000001"
    refused = cards_page.start(key)  # no X-CSRFToken header
    assert refused.status_code == 400
    assert refused.get_json()["error"].endswith("Reload the page and try again.")
    started = client.post(
        "/account/cards/setup-intent", json={"request_key": key}, headers={"X-CSRFToken": token}
    )
    assert started.status_code == 200
    intent = cards_page.confirm(started.get_json()["client_secret"], "pm_card_visa")
    client.get(f"/account/cards/added?setup_intent={intent['id']}")
    [card] = cards.all_cards(user)

    assert client.post(f"/account/cards/{card.id}/remove").status_code == 400
    assert cards.all_cards(user) == [card]

    listing = client.get("/account/cards").get_data(as_text=True)
    removed = client.post(
        f"/account/cards/{card.id}/remove", data={"csrf_token": csrf_token_from(listing)}
    )
    assert removed.status_code == 302
    assert cards.all_cards(user) == []
