"""API keys, publishable-key restrictions, client secrets, error classes, CORS, integers."""

import pytest
import requests
import stripe


def test_bad_keys_are_401(client_for):
    for key in ("sk_live_nope", "whatever", "pk_live_x"):
        with pytest.raises(stripe.AuthenticationError) as caught:
            client_for(key).v1.customers.list()
        assert caught.value.http_status == 401


def test_basic_auth_works(sandbox):
    response = requests.get(f"{sandbox.url}/v1/customers", auth=("sk_test_basic", ""),
                            timeout=10)
    assert response.status_code == 200
    assert response.json()["object"] == "list"
    refused = requests.get(f"{sandbox.url}/v1/customers", auth=("nope", ""), timeout=10)
    assert refused.status_code == 401


def test_publishable_key_can_do_almost_nothing(pk_client, client):
    with pytest.raises(stripe.AuthenticationError) as caught:
        pk_client.v1.customers.create()
    assert "publishable API key" in caught.value.user_message
    intent = client.v1.payment_intents.create(params={
        "amount": 1000, "currency": "usd", "payment_method_types": ["card"]})
    with pytest.raises(stripe.AuthenticationError):
        pk_client.v1.payment_intents.retrieve(intent.id)  # no client secret
    with pytest.raises(stripe.AuthenticationError):
        pk_client.v1.payment_intents.cancel(intent.id)
    with pytest.raises(stripe.AuthenticationError):
        pk_client.v1.refunds.list()


def test_publishable_retrieve_is_restricted(client, pk_client):
    customer = client.v1.customers.create()
    intent = client.v1.payment_intents.create(params={
        "amount": 1000, "currency": "usd", "payment_method_types": ["card"],
        "customer": customer.id, "metadata": {"order_id": "1"}})
    seen = pk_client.v1.payment_intents.retrieve(
        intent.id, params={"client_secret": intent.client_secret})
    assert seen.id == intent.id and seen.amount == 1000 and seen.status
    assert "metadata" not in seen
    assert "customer" not in seen
    with pytest.raises(stripe.InvalidRequestError) as caught:
        pk_client.v1.payment_intents.retrieve(
            intent.id, params={"client_secret": f"{intent.id}_secret_wrong"})
    assert caught.value.http_status == 404


def test_publishable_confirm_like_stripe_js(client, pk_client):
    intent = client.v1.payment_intents.create(params={"amount": 1500, "currency": "usd"})
    pm = pk_client.v1.payment_methods.create(params={
        "type": "card", "card": {"number": "4242 4242 4242 4242", "exp_month": 3,
                                 "exp_year": 2041, "cvc": "123"},
        "billing_details": {"address": {"postal_code": "10001"}}})
    done = pk_client.v1.payment_intents.confirm(intent.id, params={
        "client_secret": intent.client_secret, "payment_method": pm.id,
        "return_url": "https://shop.test/done", "use_stripe_sdk": True})
    assert done.status == "succeeded"
    assert "metadata" not in done


def test_publishable_decline_error_is_restricted(client, pk_client):
    intent = client.v1.payment_intents.create(params={
        "amount": 1500, "currency": "usd", "metadata": {"secret": "x"}})
    with pytest.raises(stripe.CardError) as caught:
        pk_client.v1.payment_intents.confirm(intent.id, params={
            "client_secret": intent.client_secret,
            "payment_method": "pm_card_visa_chargeDeclinedInsufficientFunds"})
    assert caught.value.error.decline_code == "insufficient_funds"
    assert "metadata" not in caught.value.json_body["error"]["payment_intent"]


def test_exception_classes(client, client_for, control):
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.retrieve("pi_missing")
    with pytest.raises(stripe.CardError):
        client.v1.payment_intents.create(params={
            "amount": 1000, "currency": "usd", "payment_method_types": ["card"],
            "payment_method": "pm_card_visa_chargeDeclined", "confirm": True})
    with pytest.raises(stripe.AuthenticationError):
        client_for("bad").v1.customers.list()
    control.fault("/v1/customers", "error", count=1)
    with pytest.raises(stripe.APIError) as caught:
        client_for(retries=0).v1.customers.list()
    assert caught.value.http_status == 500
    control.fault("/v1/customers", "rate_limit", count=1)
    with pytest.raises(stripe.RateLimitError):
        client_for(retries=0).v1.customers.list()
    customer = client_for().v1.customers.create()
    control.fault(f"/v1/customers/{customer.id}", "not_found", count=1)
    with pytest.raises(stripe.InvalidRequestError) as missing:  # as another account's id
        client_for().v1.customers.retrieve(customer.id)
    assert missing.value.http_status == 404 and missing.value.code == "resource_missing"
    assert f"No such customer: '{customer.id}'" in str(missing.value)
    assert client_for().v1.customers.retrieve(customer.id).id == customer.id  # once only


def test_doc_urls_spell_the_code_with_hyphens(client, pay):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.payment_intents.retrieve("pi_nope")
    assert missing.value.json_body["error"]["doc_url"] == (
        "https://stripe.com/docs/error-codes/resource-missing")
    with pytest.raises(stripe.CardError) as declined:
        pay("pm_card_visa_chargeDeclinedInsufficientFunds")
    error = declined.value.json_body["error"]
    assert error["doc_url"] == "https://stripe.com/docs/error-codes/card-declined"
    intent = client.v1.payment_intents.retrieve(error["payment_intent"]["id"])
    assert intent.last_payment_error.doc_url == error["doc_url"]


def test_cors_headers_and_preflight(sandbox):
    response = requests.options(f"{sandbox.url}/v1/payment_intents/pi_x/confirm", timeout=10)
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = response.headers["Access-Control-Allow-Headers"]
    for header in ("Authorization", "Content-Type", "Stripe-Version", "Idempotency-Key"):
        assert header in allowed
    answered = requests.get(f"{sandbox.url}/v1/customers", auth=("pk_test_x", ""), timeout=10)
    assert answered.status_code == 401
    assert answered.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(f"{sandbox.url}/_sandbox/authenticate", timeout=10)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"



def _create_intent(sandbox, amount):
    return requests.post(f"{sandbox.url}/v1/payment_intents", timeout=10,
                         auth=("sk_test_integers", ""), data={"amount": amount, "currency": "usd"})


@pytest.mark.parametrize("amount", [
    "\uff11\uff10\uff10\uff10",  # full-width digits
    "\u0661\u0660\u0660\u0660",  # Arabic-Indic digits
    "1" + "0" * 5000,  # long enough to make int() itself raise
    "1" + "0" * 19,  # 20 digits
    str(2**63),  # 19 digits, one past the int64 maximum
    str(-(2**63) - 1),
    "+100", " 100", "100.0", "-",
])
def test_an_amount_that_is_not_an_int64_is_an_invalid_integer(sandbox, amount):
    response = _create_intent(sandbox, amount)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"] == {
        "type": "invalid_request_error", "code": "parameter_invalid_integer",
        "doc_url": "https://stripe.com/docs/error-codes/parameter-invalid-integer",
        "message": f"Invalid integer: {amount}", "param": "amount"}


@pytest.mark.parametrize(("amount", "code"), [
    (str(2**63 - 1), "amount_too_large"), (str(-(2**63)), "amount_too_small"),
])
def test_the_int64_limits_are_integers(sandbox, amount, code):
    response = _create_intent(sandbox, amount)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
