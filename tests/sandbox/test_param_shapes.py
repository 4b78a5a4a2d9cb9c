"""Parameters of the wrong shape (SANDBOX.md §0, §1): an unknown filter operator is
parameter_unknown (not a 500), "" for a required parameter is a missing parameter, and a
scalar where Stripe wants a hash (a common slip: automatic_payment_methods=True) is a 400."""

import pytest
import stripe


def test_an_unknown_created_operator_is_parameter_unknown(client):
    client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.list(params={"created": {"since": 1}})
    assert caught.value.http_status == 400
    assert (caught.value.code, caught.value.param) == ("parameter_unknown", "created[since]")


def test_an_empty_required_parameter_is_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.create(params={"amount": "", "currency": "usd"})
    assert caught.value.http_status == 400
    assert (caught.value.code, caught.value.param) == ("parameter_missing", "amount")
    assert client.v1.payment_intents.list().data == []


def test_a_scalar_for_a_hash_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.create(params={
            "amount": 1000, "currency": "usd", "automatic_payment_methods": True})
    assert caught.value.http_status == 400
    assert caught.value.param == "automatic_payment_methods"
    assert client.v1.payment_intents.list().data == []
