"""Each test card's outcome, code, decline code and message, 3-D Secure included."""

import pytest
import stripe

DECLINES = [
    ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline", "Your card was declined."),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds",
     "Your card has insufficient funds."),
    ("pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card",
     "Your card was declined."),
    ("pm_card_visa_chargeDeclinedStolenCard", "card_declined", "stolen_card",
     "Your card was declined."),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card",
     "Your card has expired."),
    ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc",
     "Your card's security code is incorrect."),
    ("pm_card_chargeDeclinedProcessingError", "processing_error", "processing_error",
     "An error occurred while processing your card. Try again in a little bit."),
    ("pm_card_chargeCustomerFail", "card_declined", "generic_decline", "Your card was declined."),
]
SUCCEEDS = [
    ("pm_card_visa", "visa", "credit", "4242"),
    ("pm_card_visa_debit", "visa", "debit", "5556"),
    ("pm_card_mastercard", "mastercard", "credit", "4444"),
    ("pm_card_amex", "amex", "credit", "0005"),
    ("pm_card_bypassPending", "visa", "credit", "0077"),
]


@pytest.mark.parametrize(("pm", "code", "decline_code", "message"), DECLINES)
def test_declines(client, pay, pm, code, decline_code, message):
    with pytest.raises(stripe.CardError) as caught:
        pay(pm)
    error = caught.value
    assert error.http_status == 402
    assert error.code == code
    assert error.error.decline_code == decline_code
    assert error.user_message == message
    assert error.error.type == "card_error"
    intent = error.error.payment_intent
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.decline_code == decline_code
    # The declined card is only named in the error: the next confirm must bring one.
    assert intent.payment_method is None
    assert intent.last_payment_error.payment_method.id.startswith("pm_")
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert charge.status == "failed"
    assert (charge.failure_code, charge.failure_message) == (code, message)
    assert charge.outcome.reason == decline_code
    types = [e.type for e in client.v1.events.list(params={"limit": 2}).data]
    assert types == ["payment_intent.payment_failed", "charge.failed"]


@pytest.mark.parametrize(("pm", "brand", "funding", "last4"), SUCCEEDS)
def test_successes(client, pay, pm, brand, funding, last4):
    intent = pay(pm)
    assert intent.status == "succeeded"
    method = client.v1.payment_methods.retrieve(intent.payment_method)
    assert intent.payment_method.startswith("pm_") and intent.payment_method != pm
    assert (method.card.brand, method.card.funding, method.card.last4) == (brand, funding, last4)


@pytest.mark.parametrize(("number", "last4"), [
    ("4000000000000002", "0002"), ("4000000000009995", "9995"), ("4000000000000069", "0069")])
def test_declines_from_card_details(client, number, last4):
    pm = client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": number, "exp_month": 1, "exp_year": 2044, "cvc": "314"}})
    with pytest.raises(stripe.CardError) as caught:
        client.v1.payment_intents.create(params={
            "amount": 1000, "currency": "usd", "payment_method_types": ["card"],
            "payment_method": pm.id, "confirm": True})
    assert caught.value.error.payment_method.card.last4 == last4


def test_test_ids_clone_each_use(pay):
    first, second = pay("pm_card_visa"), pay("pm_card_visa")
    assert first.payment_method != second.payment_method


def test_three_d_secure_complete(client, control, pay):
    intent = pay("pm_card_threeDSecure2Required", return_url="https://shop.test/back")
    assert intent.status == "requires_action"
    assert intent.next_action.type == "redirect_to_url"
    redirect = intent.next_action.redirect_to_url
    assert redirect.return_url == "https://shop.test/back"
    assert "/v3/challenge?intent=" + intent.id in redirect.url
    assert "return_url=https%3A%2F%2Fshop.test%2Fback" in redirect.url
    result = control.authenticate(intent.id, "complete")
    assert result == {"status": "succeeded", "redirect_status": "succeeded"}
    done = client.v1.payment_intents.retrieve(intent.id)
    assert done.status == "succeeded"
    charge = client.v1.charges.retrieve(done.latest_charge)
    assert charge.payment_method_details.card.three_d_secure.result == "authenticated"
    types = [e.type for e in reversed(client.v1.events.list().data)]
    assert types == ["payment_intent.created", "payment_intent.requires_action",
                     "charge.succeeded", "payment_intent.succeeded"]


def test_three_d_secure_use_stripe_sdk(client, sandbox, pay):
    intent = pay("pm_card_authenticationRequired", use_stripe_sdk=True,
                 return_url="https://shop.test/back")
    assert intent.next_action.type == "use_stripe_sdk"
    sdk = intent.next_action.use_stripe_sdk
    assert sdk.type == "three_d_secure_redirect"
    assert sdk.stripe_js.startswith(f"{sandbox.url}/v3/challenge?intent={intent.id}")
    assert f"client_secret={intent.client_secret}" in sdk.stripe_js
    assert sdk.source.startswith("src_")


def test_three_d_secure_fail(client, control, pay):
    intent = pay("pm_card_threeDSecure2Required", return_url="https://shop.test/back")
    result = control.authenticate(intent.id, "fail")
    assert result == {"status": "requires_payment_method", "redirect_status": "failed"}
    failed = client.v1.payment_intents.retrieve(intent.id)
    error = failed.last_payment_error
    assert error.code == "payment_intent_authentication_failure"
    assert error.type == "invalid_request_error"
    assert error.message == (
        "The provided PaymentMethod has failed authentication. You can provide "
        "payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent "
        "again.")
    assert failed.latest_charge is None
    assert failed.payment_method is None and error.payment_method.id.startswith("pm_")
    assert client.v1.events.list().data[0].type == "payment_intent.payment_failed"
    with pytest.raises(stripe.InvalidRequestError, match="missing a payment method"):
        client.v1.payment_intents.confirm(intent.id)


def test_authenticate_needs_the_right_secret(control, pay):
    intent = pay("pm_card_threeDSecure2Required", return_url="https://shop.test/back")
    with pytest.raises(Exception, match="404"):
        control.authenticate(intent.id, "complete", client_secret="pi_x_secret_wrong")


def test_1629_declines_after_authentication(client, control, pay):
    intent = pay("pm_card_threeDSecureRequiredChargeDeclined", return_url="https://shop.test/b")
    assert intent.status == "requires_action"
    result = control.authenticate(intent.id, "complete")
    assert result["status"] == "requires_payment_method"
    failed = client.v1.payment_intents.retrieve(intent.id)
    assert failed.last_payment_error.code == "card_declined"
    assert client.v1.charges.retrieve(failed.latest_charge).status == "failed"


def test_3184_off_session_requires_authentication(client, pay):
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.attach("pm_card_authenticationRequired",
                                          params={"customer": customer.id})
    with pytest.raises(stripe.CardError) as caught:
        pay(pm.id, customer=customer.id, off_session=True, return_url="https://shop.test/b")
    assert caught.value.code == "authentication_required"
    assert caught.value.error.decline_code == "authentication_required"
    assert caught.value.user_message == (
        "Your card was declined. This transaction requires authentication.")
    on_session = pay(pm.id, customer=customer.id, return_url="https://shop.test/b")
    assert on_session.status == "requires_action"


def test_3184_challenges_every_time(client, control, pay):
    customer = client.v1.customers.create()
    first = pay("pm_card_authenticationRequired", customer=customer.id,
                setup_future_usage="off_session", return_url="https://shop.test/b")
    control.authenticate(first.id)
    second = pay(first.payment_method, customer=customer.id, return_url="https://shop.test/b")
    assert second.status == "requires_action"


def test_3155_after_setup_intent_no_challenge(client, control, pay):
    customer = client.v1.customers.create()
    before = pay("pm_card_authenticationRequiredOnSetup", return_url="https://shop.test/b")
    assert before.status == "requires_action"
    setup = client.v1.setup_intents.create(params={
        "customer": customer.id, "payment_method": "pm_card_authenticationRequiredOnSetup",
        "payment_method_types": ["card"], "confirm": True})
    assert setup.status == "requires_action"
    assert control.authenticate(setup.id)["status"] == "succeeded"
    pm = client.v1.setup_intents.retrieve(setup.id).payment_method
    on = pay(pm, customer=customer.id, return_url="https://shop.test/b")
    assert on.status == "succeeded"
    off = pay(pm, customer=customer.id, off_session=True, return_url="https://shop.test/b")
    assert off.status == "succeeded"


def test_3155_off_session_without_setup_fails(client, pay):
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.attach("pm_card_authenticationRequiredOnSetup",
                                          params={"customer": customer.id})
    with pytest.raises(stripe.CardError) as caught:
        pay(pm.id, customer=customer.id, off_session=True, return_url="https://shop.test/b")
    assert caught.value.code == "authentication_required"


def test_3155_after_payment_with_setup_future_usage(client, control, pay):
    customer = client.v1.customers.create()
    first = pay("pm_card_authenticationRequiredOnSetup", customer=customer.id,
                setup_future_usage="off_session", return_url="https://shop.test/b")
    control.authenticate(first.id)
    again = pay(first.payment_method, customer=customer.id, off_session=True,
                return_url="https://shop.test/b")
    assert again.status == "succeeded"


def test_0341_attaches_then_every_charge_fails(client, pay):
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.attach("pm_card_chargeCustomerFail",
                                          params={"customer": customer.id})
    assert pm.customer == customer.id
    for _ in range(2):
        with pytest.raises(stripe.CardError) as caught:
            pay(pm.id, customer=customer.id)
        assert caught.value.code == "card_declined"


def test_decline_cards_fail_to_attach(client):
    customer = client.v1.customers.create()
    with pytest.raises(stripe.CardError) as caught:
        client.v1.payment_methods.attach("pm_card_visa_chargeDeclined",
                                         params={"customer": customer.id})
    assert caught.value.code == "card_declined"


def test_dispute_card(client, pay):
    intent = pay("pm_card_createDispute")
    assert intent.status == "succeeded"
    disputes = client.v1.disputes.list(params={"payment_intent": intent.id}).data
    assert len(disputes) == 1
    dispute = disputes[0]
    assert dispute.reason == "fraudulent"
    assert dispute.status == "needs_response"
    assert dispute.charge == intent.latest_charge
    assert dispute.evidence_details.due_by > dispute.created
    assert client.v1.charges.retrieve(intent.latest_charge).disputed is True
    assert client.v1.events.list().data[0].type == "charge.dispute.created"


def test_redirect_card_always_redirects(client, pk_client, pay):
    intent = client.v1.payment_intents.create(params={
        "amount": 1000, "currency": "usd", "payment_method_types": ["card"]})
    confirmed = pk_client.v1.payment_intents.confirm(intent.id, params={
        "client_secret": intent.client_secret, "payment_method": "pm_card_threeDSecureRedirect",
        "use_stripe_sdk": True, "return_url": "https://shop.test/r"})
    assert confirmed.status == "requires_action"
    assert confirmed.next_action.type == "redirect_to_url"
    assert confirmed.next_action.redirect_to_url.return_url == "https://shop.test/r"


def test_processing_card_settles_later(client, control, pay):
    intent = pay("pm_card_sandbox_processing")
    assert intent.status == "processing"
    assert client.v1.charges.retrieve(intent.latest_charge).status == "pending"
    control.advance(5)
    done = client.v1.payment_intents.retrieve(intent.id)
    assert done.status == "succeeded"
    assert client.v1.charges.retrieve(intent.latest_charge).status == "succeeded"
    types = [e.type for e in reversed(client.v1.events.list().data)]
    assert types[-2:] == ["charge.succeeded", "payment_intent.succeeded"]
    assert "payment_intent.processing" in types


def test_processing_card_settles_on_its_own(client, pay):
    import time

    intent = pay("pm_card_sandbox_processing")
    deadline = time.monotonic() + 5
    while client.v1.payment_intents.retrieve(intent.id).status == "processing":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_processing_card_can_fail(client, control, pay):
    intent = pay("pm_card_sandbox_processing")
    control.settle(intent.id, "failed")
    failed = client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "card_declined"
    types = [e.type for e in client.v1.events.list(params={"limit": 2}).data]
    assert types == ["payment_intent.payment_failed", "charge.failed"]
