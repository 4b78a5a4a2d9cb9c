"""Idempotency keys: replay, mismatch, in flight, what is not stored, SDK retries."""

import threading

import pytest
import stripe

from tests.sandbox.conftest import wait_until


def test_replay_returns_same_object_once(client):
    first = client.v1.customers.create(params={"email": "a@example.com"},
                                       options={"idempotency_key": "k1"})
    second = client.v1.customers.create(params={"email": "a@example.com"},
                                        options={"idempotency_key": "k1"})
    assert first.id == second.id
    assert second.last_response.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.last_response.headers
    assert second.last_response.request_id == first.last_response.request_id
    assert len(client.v1.customers.list().data) == 1
    assert len(client.v1.events.list().data) == 1


def test_errors_are_replayed_too(client):
    params = {"amount": 1000, "currency": "usd", "payment_method_types": ["card"],
              "payment_method": "pm_card_visa_chargeDeclined", "confirm": True}
    with pytest.raises(stripe.CardError) as first:
        client.v1.payment_intents.create(params=params, options={"idempotency_key": "k2"})
    with pytest.raises(stripe.CardError) as second:
        client.v1.payment_intents.create(params=params, options={"idempotency_key": "k2"})
    assert first.value.json_body == second.value.json_body
    assert second.value.headers.get("Idempotent-Replayed") == "true"
    assert len(client.v1.payment_intents.list().data) == 1
    assert len(client.v1.charges.list().data) == 1


def test_other_params_are_an_idempotency_error(client):
    client.v1.customers.create(params={"email": "a@example.com"},
                               options={"idempotency_key": "k3"})
    with pytest.raises(stripe.IdempotencyError) as caught:
        client.v1.customers.create(params={"email": "b@example.com"},
                                   options={"idempotency_key": "k3"})
    assert caught.value.http_status == 400
    assert caught.value.user_message.startswith(
        "Keys for idempotent requests can only be used with the same parameters they were "
        "first used with.")


def test_other_endpoint_is_an_idempotency_error(client):
    client.v1.customers.create(options={"idempotency_key": "k4"})
    with pytest.raises(stripe.IdempotencyError):
        client.v1.payment_intents.create(
            params={"amount": 1000, "currency": "usd"}, options={"idempotency_key": "k4"})


def key_in_flight(control, key: str) -> bool:
    return any(held["key"] == key and held["in_flight"] for held in control.idempotency_keys())


def test_in_flight_key_is_409_then_replayed(client, client_for, control):
    # Slow enough for the second request to arrive while the first still holds the key.
    control.fault("/v1/customers", "slow", count=1, seconds=2.0)
    results = {}

    def slow_create():
        results["first"] = client.v1.customers.create(options={"idempotency_key": "k5"})

    worker = threading.Thread(target=slow_create)
    worker.start()
    try:
        wait_until(lambda: key_in_flight(control, "k5"))  # the first request holds the key
        with pytest.raises(stripe.APIError) as caught:
            client_for(retries=0).v1.customers.create(options={"idempotency_key": "k5"})
    finally:
        worker.join()
    assert caught.value.http_status == 409
    assert caught.value.json_body["error"]["code"] == "idempotency_key_in_use"
    assert not key_in_flight(control, "k5")
    replay = client.v1.customers.create(options={"idempotency_key": "k5"})
    assert replay.id == results["first"].id
    assert len(client.v1.customers.list().data) == 1


def test_sdk_retry_after_error_after_replays(client, control):
    control.fault("/v1/payment_intents", "error_after", count=1, method="POST")
    intent = client.v1.payment_intents.create(params={
        "amount": 1000, "currency": "usd", "payment_method_types": ["card"],
        "payment_method": "pm_card_visa", "confirm": True})
    assert intent.status == "succeeded"
    assert intent.last_response.headers.get("Idempotent-Replayed") == "true"
    assert len(client.v1.payment_intents.list().data) == 1
    assert len(client.v1.charges.list().data) == 1


def test_sdk_retry_after_plain_500_acts_once(client, control):
    control.fault("/v1/customers", "error", count=2, method="POST")
    customer = client.v1.customers.create(params={"email": "r@example.com"})
    assert customer.email == "r@example.com"
    assert len(client.v1.customers.list().data) == 1


def test_timeout_fault_stores_nothing(client_for, control):
    control.fault("/v1/customers", "timeout", count=1, seconds=0.2)
    quick = client_for(retries=1)
    customer = quick.v1.customers.create(options={"idempotency_key": "k6"})
    assert customer.last_response.headers.get("Idempotent-Replayed") is None


def test_401_is_not_stored(client, client_for):
    with pytest.raises(stripe.AuthenticationError):
        client_for("sk_live_bad").v1.customers.create(options={"idempotency_key": "k7"})
    customer = client.v1.customers.create(options={"idempotency_key": "k7"})
    assert customer.last_response.headers.get("Idempotent-Replayed") is None


def test_parse_failure_is_not_stored(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.create(params={"bogus": "1"}, options={"idempotency_key": "k8"})
    assert caught.value.code == "parameter_unknown"
    customer = client.v1.customers.create(params={"email": "ok@example.com"},
                                          options={"idempotency_key": "k8"})
    assert customer.email == "ok@example.com"


def test_every_sdk_post_gets_a_key_and_gets_are_not_replayed(client):
    customer = client.v1.customers.create()
    event = client.v1.events.list().data[0]
    assert event.request.idempotency_key  # the SDK generated one
    again = client.v1.customers.retrieve(customer.id)
    assert again.last_response.headers.get("Idempotent-Replayed") is None
