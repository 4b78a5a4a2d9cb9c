"""The pay page's and the card page's JSON endpoints fuzzed: never a 500, never a second
intent, and a body that names nothing real changes nothing."""

import json
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from shop.web.requests import REQUEST_KEY
from tests.security.fuzzing import FUZZ, JSON_BODIES, RAW_BODIES, json_objects
from tests.security.world import state


def post(client, url: str, body):
    """JSON when hypothesis drew a JSON value, raw bytes labelled as JSON otherwise."""
    if isinstance(body, bytes):
        return client.post(url, data=body, content_type="application/json")
    return client.post(url, json=body)


def has_nul(body) -> bool:
    """Bodies with a NUL character are refused (400) before any view runs."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return b"\\u0000" in raw or b"\x00" in raw


def answered(body, status: int) -> int:
    return 400 if has_nul(body) else status


def intents_of(stripe_api, number: str) -> set[str]:
    intents = stripe_api.v1.payment_intents.list(params={"limit": 100})["data"]
    return {i["id"] for i in intents if i.to_dict()["metadata"].get("order_number") == number}


@FUZZ
@given(body=st.one_of(JSON_BODIES, json_objects("save_card"), RAW_BODIES))
def test_intent_endpoint_never_fails_and_keeps_one_intent(world, stripe_api, body):
    order = world.user_order
    response = post(world.clients["owner"], f"/orders/{order.number}/intent", body)
    assert response.status_code == answered(body, 200)
    if response.status_code == 200:
        assert response.get_json()["intent_id"] == world.intents[order.number]
    assert intents_of(stripe_api, order.number) == {world.intents[order.number]}


@FUZZ
@given(body=st.one_of(JSON_BODIES, json_objects("payment_intent"), RAW_BODIES))
def test_confirm_endpoint_never_fails_and_unknown_intents_change_nothing(
    world, stripe_api, body
):
    before = state(stripe_api)
    response = post(world.clients["owner"], f"/orders/{world.user_order.number}/confirm", body)
    assert response.status_code == answered(body, 404)
    if response.status_code == 404:
        assert response.get_json() == {"error": "That payment does not belong to this order."}
    assert state(stripe_api) == before


@FUZZ
@given(body=st.one_of(JSON_BODIES, json_objects("card_id"), RAW_BODIES))
@example(body={"card_id": "²"})
@example(body={"card_id": "9" * 40})
def test_saved_card_endpoint_never_fails_and_other_cards_pay_nothing(world, stripe_api, body):
    if isinstance(body, dict) and str(body.get("card_id")) == str(world.card.id):
        body = {**body, "card_id": world.card.id + 1000}
    before = state(stripe_api)
    response = post(world.clients["owner"], f"/orders/{world.user_order.number}/saved-card",
                    body)
    assert response.status_code == answered(body, 404)
    assert state(stripe_api) == before


@FUZZ
# Objects, or bytes that are not JSON at all (other JSON values: see the test below).
@given(body=st.one_of(json_objects("request_key"), RAW_BODIES.map(lambda b: b"{" + b)))
def test_setup_intent_endpoint_never_fails_and_a_bad_key_starts_nothing(
    world, stripe_api, body
):
    key = body.get("request_key") if isinstance(body, dict) else None
    valid = isinstance(key, str) and REQUEST_KEY.fullmatch(key)
    before = state(stripe_api)
    response = post(world.clients["owner"], "/account/cards/setup-intent", body)
    assert response.status_code == answered(body, 200 if valid else 400)
    if not valid:
        assert state(stripe_api) == before


@FUZZ
@given(number=st.text(max_size=30), body=JSON_BODIES)
def test_someone_elses_or_made_up_order_numbers_are_404(world, stripe_api, number, body):
    known = {world.user_order.number, world.guest_order.number, world.other_guest_order.number}
    if number.upper() in known or number in known:
        return
    before = state(stripe_api)
    client = world.clients["customer"]
    for action in ("intent", "confirm", "saved-card"):
        response = client.post(f"/orders/{quote(number, safe='')}/{action}", json=body)
        # 308: Werkzeug tidying a path with an empty or slashed segment.
        allowed = {400} if has_nul(number) or has_nul(body) else {404, 405, 308}
        assert response.status_code in allowed, (action, response.status_code)
    assert state(stripe_api) == before


@pytest.mark.parametrize("body", [True, [1], "key", 7])
def test_setup_intent_refuses_json_that_is_not_an_object(world, body):
    response = post(world.clients["owner"], "/account/cards/setup-intent", body)
    assert response.status_code == 400
