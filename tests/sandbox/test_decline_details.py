"""Details of failed and asynchronous payments the shop relies on: the failed charge named
in the error (SANDBOX.md §1, §6), a declined method not reusable, an asynchronous failure
letting go of its method, a settled charge counting as captured, the redirect status of an
authorised manual-capture payment, and the type of a 500."""

import pytest
import stripe


def card(client, number):
    return client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": number, "exp_month": 1, "exp_year": 2044, "cvc": "314"}})


def test_a_decline_names_its_charge_in_the_error_and_the_intent(client, pay):
    with pytest.raises(stripe.CardError) as caught:
        pay("pm_card_visa_chargeDeclined")
    error = caught.value.error
    intent = error.payment_intent
    assert intent.latest_charge.startswith("ch_")
    assert error.charge == intent.latest_charge
    assert intent.last_payment_error.charge == intent.latest_charge
    stored = client.v1.payment_intents.retrieve(intent.id)
    assert stored.last_payment_error.charge == stored.latest_charge


def test_a_declined_method_without_customer_cannot_be_used_again(client, pay):
    method = card(client, "4000000000000002")
    with pytest.raises(stripe.CardError):
        pay(method.id)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        pay(method.id)
    assert caught.value.http_status == 400
    assert caught.value.user_message.startswith(
        "This PaymentMethod was previously used without being attached to a Customer")


def test_a_failed_processing_payment_lets_go_of_its_method(client, control, pay):
    intent = pay("pm_card_sandbox_processing")
    control.settle(intent.id, "failed")
    failed = client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.payment_method is None  # as after a decline: the next confirm brings one
    assert failed.last_payment_error.payment_method.id == intent.payment_method
    assert failed.last_payment_error.charge == intent.latest_charge


def test_a_settled_processing_charge_is_captured_in_full(client, control, pay):
    intent = pay("pm_card_sandbox_processing", amount=2500)
    control.settle(intent.id, "succeeded")
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert charge.status == "succeeded"
    assert charge.captured is True
    assert charge.amount_captured == 2500
    assert client.v1.payment_intents.retrieve(intent.id).amount_received == 2500


def test_authenticated_manual_capture_redirects_as_succeeded(client, control, pay):
    intent = pay("pm_card_threeDSecure2Required", capture_method="manual",
                 return_url="https://shop.test/back")
    assert intent.status == "requires_action"
    result = control.authenticate(intent.id, "complete")
    # Stripe.js appends redirect_status=succeeded for an authorised payment too.
    assert result == {"status": "requires_capture", "redirect_status": "succeeded"}


def test_a_500_is_an_api_error(client_for, control):
    control.fault("/v1/customers", "error", count=1, method="POST")
    with pytest.raises(stripe.APIError) as caught:
        client_for(retries=0).v1.customers.create()
    assert caught.value.http_status == 500
    assert caught.value.error.type == "api_error"

