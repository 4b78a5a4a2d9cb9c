"""JSON that no view could use gets a clear 400 and changes nothing; a guest's order
link never reaches a log; a "save my card" that is not a plain yes saves nothing."""

import logging

import pytest
import requests

from shop.extensions import db
from shop.models import Payment
from shop.web.requests import NOT_TEXT, TOO_DEEP
from tests.security.world import state

JSON_PATHS = [
    "/orders/{order}/intent",
    "/orders/{order}/saved-card",
    "/orders/{order}/confirm",
    "/account/cards/setup-intent",
    "/cart/add",  # a form, which Flask-WTF would also read from JSON
]


def send(world, path: str, body: bytes):
    url = path.format(order=world.user_order.number)
    return world.clients["owner"].post(url, data=body, content_type="application/json")


@pytest.mark.parametrize("path", JSON_PATHS)
def test_json_nested_too_deeply_is_refused_and_changes_nothing(world, stripe_api, path):
    before = state(stripe_api)
    response = send(world, path, b"[" * 50_000)
    assert (response.status_code, response.get_json()) == (400, {"error": TOO_DEEP})
    assert state(stripe_api) == before


@pytest.mark.parametrize("path", JSON_PATHS)
def test_json_with_half_a_surrogate_pair_is_refused_and_changes_nothing(
    world, stripe_api, path
):
    before = state(stripe_api)
    response = send(world, path, b'{"payment_intent": "pi_\\ud800", "product_id": "\\uDC00"}')
    assert (response.status_code, response.get_json()) == (400, {"error": NOT_TEXT})
    assert state(stripe_api) == before


@pytest.mark.parametrize(("path", "body", "told"), [
    ("/auth/login", {"email": 5, "password": ["x"]}, "Enter your email address."),
    ("/auth/register", {"email": {"a": 1}, "password": 5}, "Enter your email address."),
    ("/checkout", {"email": 5}, "Enter your email address."),
])
def test_a_form_sent_as_json_is_read_as_an_empty_form_and_refused_in_words(
    client, make_product, path, body, told
):
    client.post("/cart/add", data={"product_id": make_product().id, "quantity": 1})
    response = client.post(path, json=body)
    assert response.status_code in (200, 400)  # the form again, with what to fix
    assert told in response.get_data(as_text=True)


def test_json_with_a_whole_surrogate_pair_is_text_like_any_other(world):
    response = send(world, "/orders/{order}/confirm", b'{"payment_intent": "pi_\\ud83d\\ude00"}')
    assert response.status_code == 404
    assert response.get_json() == {"error": "That payment does not belong to this order."}


@pytest.mark.parametrize(("said", "saving"), [
    (True, "off_session"), ("false", None), ("no", None), (1, None), ([True], None),
    ({"yes": True}, None),
])
def test_only_a_plain_true_asks_to_save_the_card(
    make_user, auth, shopper, make_product, stripe_api, said, saving
):
    make_user(email="cara@example.com", password="cara-pass-123")
    auth.login("cara@example.com", "cara-pass-123")
    order = shopper.checkout((make_product(price_minor=2500), 1), email="cara@example.com")
    response = shopper.client.post(f"/orders/{order.number}/intent", json={"save_card": said})
    assert response.status_code == 200
    intent = stripe_api.v1.payment_intents.retrieve(response.get_json()["intent_id"])
    assert intent.to_dict().get("setup_future_usage") == saving
    assert db.session.execute(db.select(Payment.intent_id)).scalar_one() == intent.id


def test_a_guest_order_link_is_kept_out_of_the_request_log(caplog, shopper, make_product,
                                                            live_shop):
    caplog.set_level(logging.INFO)
    order = shopper.checkout((make_product(price_minor=2500), 1))
    page = shopper.client.get(f"/orders/{order.number}").get_data(as_text=True)
    link = page.split('class="long-link" href="')[1].split('"')[0]
    token = link.rsplit("/", 1)[1]
    with requests.Session() as browser:
        browser.get(f"{live_shop.url}/orders/{order.number}/access/{token}",
                    allow_redirects=False)
        browser.get(f"{live_shop.url}/orders/{order.number}/return", params={"access": token},
                    allow_redirects=False)

    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert f"/orders/{order.number}/access/" in logged  # the visits were logged
    assert token not in logged
