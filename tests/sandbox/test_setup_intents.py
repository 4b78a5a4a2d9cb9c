"""SetupIntents: create, retrieve, confirm (with and without 3-D Secure), cancel."""

import pytest
import stripe


def setup(client, **params):
    return client.v1.setup_intents.create(params={"payment_method_types": ["card"], **params})


def test_create_defaults(client):
    si = setup(client)
    assert si.id.startswith("seti_")
    assert si.client_secret.startswith(f"{si.id}_secret_")
    assert si.status == "requires_payment_method"
    assert si.usage == "off_session"
    assert client.v1.setup_intents.retrieve(si.id).id == si.id


def test_confirm_attaches_to_customer(client):
    customer = client.v1.customers.create()
    si = setup(client, customer=customer.id)
    done = client.v1.setup_intents.confirm(si.id, params={"payment_method": "pm_card_visa"})
    assert done.status == "succeeded"
    assert done.latest_attempt.startswith("setatt_")
    pm = client.v1.payment_methods.retrieve(done.payment_method)
    assert pm.customer == customer.id
    types = [e.type for e in reversed(client.v1.events.list().data)]
    assert types == ["customer.created", "setup_intent.created", "payment_method.attached",
                     "setup_intent.succeeded"]


def test_three_d_secure_then_fail(client, control):
    si = setup(client, customer=client.v1.customers.create().id,
               payment_method="pm_card_authenticationRequired", confirm=True)
    assert si.status == "requires_action"
    assert si.next_action.type == "use_stripe_sdk"
    assert control.authenticate(si.id, "fail") == {
        "status": "requires_payment_method", "redirect_status": "failed"}
    failed = client.v1.setup_intents.retrieve(si.id)
    assert failed.last_setup_error.code == "setup_intent_authentication_failure"
    assert failed.last_setup_error.doc_url.endswith("/setup-intent-authentication-failure")
    assert failed.payment_method is None
    assert client.v1.events.list().data[0].type == "setup_intent.setup_failed"


def test_declined_card_fails_setup(client):
    with pytest.raises(stripe.CardError) as caught:
        setup(client, payment_method="pm_card_visa_chargeDeclined", confirm=True)
    assert caught.value.code == "card_declined"
    assert caught.value.error.setup_intent.status == "requires_payment_method"


def test_cancel(client):
    si = setup(client)
    canceled = client.v1.setup_intents.cancel(
        si.id, params={"cancellation_reason": "requested_by_customer"})
    assert canceled.status == "canceled"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.setup_intents.cancel(si.id)
    assert caught.value.code == "setup_intent_unexpected_state"


def test_publishable_confirm(client, pk_client):
    customer = client.v1.customers.create()
    si = setup(client, customer=customer.id)
    pm = pk_client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 4, "exp_year": 2042, "cvc": "999"}})
    done = pk_client.v1.setup_intents.confirm(
        si.id, params={"client_secret": si.client_secret, "payment_method": pm.id})
    assert done.status == "succeeded"
    assert "customer" not in done and "metadata" not in done
    assert client.v1.payment_methods.retrieve(pm.id).customer == customer.id
