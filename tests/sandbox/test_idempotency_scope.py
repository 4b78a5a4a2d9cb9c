"""Idempotency keys beyond the basics (SANDBOX.md §6): a key belongs to one endpoint even
with identical parameters, it is kept 24 hours (and only that long), it may be up to 255
characters, and a request refused for a missing parameter stores nothing."""

import pytest
import stripe

DAY = 24 * 3600


def test_same_params_on_another_endpoint_is_an_idempotency_error(client):
    customer = client.v1.customers.create(options={"idempotency_key": "scope-1"})
    # No parameters either time: only the endpoint differs.
    with pytest.raises(stripe.IdempotencyError) as caught:
        client.v1.customers.update(customer.id, options={"idempotency_key": "scope-1"})
    assert caught.value.http_status == 400
    assert caught.value.error.type == "idempotency_error"


def test_a_key_is_kept_for_a_day(client, control):
    first = client.v1.customers.create(params={"email": "a@example.com"},
                                       options={"idempotency_key": "scope-2"})
    control.advance(DAY - 3600)  # 23 hours later: still replayed
    again = client.v1.customers.create(params={"email": "a@example.com"},
                                       options={"idempotency_key": "scope-2"})
    assert again.id == first.id
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert len(client.v1.customers.list().data) == 1


def test_a_key_is_forgotten_after_a_day(client, control):
    first = client.v1.customers.create(params={"email": "a@example.com"},
                                       options={"idempotency_key": "scope-3"})
    control.advance(DAY + 60)
    # Forgotten: other parameters are no idempotency_error, the request runs anew.
    later = client.v1.customers.create(params={"email": "b@example.com"},
                                       options={"idempotency_key": "scope-3"})
    assert later.id != first.id
    assert later.email == "b@example.com"
    assert later.last_response.headers.get("Idempotent-Replayed") is None


def test_a_key_of_255_characters_is_taken_256_is_refused(client):
    longest = "k" * 255
    customer = client.v1.customers.create(options={"idempotency_key": longest})
    replay = client.v1.customers.create(options={"idempotency_key": longest})
    assert replay.id == customer.id
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.create(options={"idempotency_key": "k" * 256})
    assert caught.value.http_status == 400
    assert len(client.v1.customers.list().data) == 1


def test_a_missing_parameter_stores_nothing_under_the_key(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.create(params={"currency": "usd"},
                                         options={"idempotency_key": "scope-4"})
    assert caught.value.code == "parameter_missing"
    # The shop fixes the request and retries with the same key: it runs.
    intent = client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"},
                                              options={"idempotency_key": "scope-4"})
    assert intent.amount == 1000
    assert intent.last_response.headers.get("Idempotent-Replayed") is None
