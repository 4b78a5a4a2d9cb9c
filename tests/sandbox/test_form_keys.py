"""Bracket keys in form bodies: only ASCII digits make a list index; depth is capped."""

import pytest
import requests
import stripe

LONG_INDEX = "1" * 5000  # long enough to make int() itself raise


def _create_customer(sandbox, data):
    return requests.post(f"{sandbox.url}/v1/customers", timeout=10,
                         auth=("sk_test_form_keys", ""), data=data)


@pytest.mark.parametrize("key", [
    "\u00b2",  # superscript two
    "\uff11",  # full-width one
    "\u0661",  # Arabic-Indic one
    "1\u00b2",
])
def test_a_key_of_other_digits_stays_a_metadata_key(sandbox, key):
    response = _create_customer(sandbox, {f"metadata[{key}]": "x"})
    assert response.status_code == 200
    assert response.json()["metadata"] == {key: "x"}


def test_an_index_too_long_for_int_is_a_plain_key(sandbox):
    response = _create_customer(sandbox, {f"metadata[{LONG_INDEX}]": "x"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "message": "Metadata keys can have up to 40 characters.",
        "param": f"metadata[{LONG_INDEX}]"}


@pytest.mark.parametrize("key", ["\u00b2", "\uff11", LONG_INDEX])
def test_expand_with_such_a_key_is_an_invalid_array(sandbox, key):
    response = _create_customer(sandbox, {f"expand[{key}]": "default_source"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Invalid array: dict"


def _nested(depth):
    value = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("depth", [21, 1000])
def test_a_key_nested_too_deep_is_a_json_400(sandbox, depth):
    response = _create_customer(sandbox, {"metadata" + "[a]" * depth: "x"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "message": "Invalid parameter name: metadata[...] is nested more than 20 levels deep.",
        "param": "metadata"}


def test_deep_nesting_through_the_sdk_is_refused_and_creates_nothing(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.create(params={"metadata": _nested(500)})
    assert caught.value.http_status == 400
    assert caught.value.param == "metadata"
    assert client.v1.customers.list().data == []


def test_twenty_levels_still_reach_the_usual_checks(sandbox):
    response = _create_customer(sandbox, {"metadata" + "[a]" * 20: "x"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Invalid string: dict"
