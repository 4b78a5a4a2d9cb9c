"""PaymentIntents through the real SDK: lifecycle, validation, state rules, currencies."""

import pytest
import stripe

from stripe_sandbox.testing import ControlError


def create(client, **params):
    return client.v1.payment_intents.create(
        params={"amount": 2000, "currency": "usd", "payment_method_types": ["card"], **params})


def test_create_defaults(client):
    intent = client.v1.payment_intents.create(params={"amount": 1099, "currency": "usd"})
    assert intent.id.startswith("pi_")
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    assert intent.status == "requires_payment_method"
    assert intent.capture_method == "automatic_async"
    assert intent.confirmation_method == "automatic"
    assert intent.automatic_payment_methods.enabled is True
    assert intent.latest_charge is None
    assert "charges" not in intent


def test_confirm_succeeds_and_creates_charge(client):
    intent = create(client, metadata={"order_id": "42"}, receipt_email="a@example.com")
    confirmed = client.v1.payment_intents.confirm(
        intent.id, params={"payment_method": "pm_card_visa"})
    assert confirmed.status == "succeeded"
    assert confirmed.amount_received == 2000
    charge = client.v1.charges.retrieve(confirmed.latest_charge)
    assert charge.status == "succeeded"
    assert charge.paid is True and charge.captured is True
    assert charge.amount_captured == 2000
    assert charge.payment_intent == intent.id
    assert charge.payment_method == confirmed.payment_method
    assert charge.metadata.order_id == "42"
    card = charge.payment_method_details.card
    assert (card.brand, card.last4) == ("visa", "4242")
    assert len(card.fingerprint) == 16


def test_events_of_a_successful_payment(client):
    intent = create(client, payment_method="pm_card_visa", confirm=True)
    types = [e.type for e in reversed(client.v1.events.list().data)]
    assert types == ["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"]
    succeeded = client.v1.events.list(params={"type": "payment_intent.succeeded"}).data[0]
    assert succeeded.data.object.id == intent.id
    assert succeeded.data.object.status == "succeeded"
    created = client.v1.events.list(params={"type": "payment_intent.created"}).data[0]
    assert created.data.object.status == "requires_confirmation"  # a snapshot, not live


def test_server_confirm_with_automatic_methods_needs_return_url(client):
    intent = client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})
    assert caught.value.param == "return_url"
    assert "you must provide a `return_url`" in caught.value.user_message
    done = client.v1.payment_intents.confirm(intent.id, params={
        "payment_method": "pm_card_visa", "return_url": "https://shop.test/return"})
    assert done.status == "succeeded"
    never = client.v1.payment_intents.create(params={
        "amount": 2000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}})
    assert never.status == "succeeded"


def test_confirm_twice_is_unexpected_state(client):
    intent = create(client, payment_method="pm_card_visa", confirm=True)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.confirm(intent.id)
    assert caught.value.code == "payment_intent_unexpected_state"
    assert caught.value.user_message == (
        "You cannot confirm this PaymentIntent because it has already succeeded after being "
        "previously confirmed.")


def test_confirm_without_payment_method(client):
    intent = create(client)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.confirm(intent.id)
    assert caught.value.user_message.startswith(
        "You cannot confirm this PaymentIntent because it's missing a payment method.")


def test_manual_capture_partial(client):
    intent = create(client, payment_method="pm_card_visa", confirm=True, capture_method="manual")
    assert intent.status == "requires_capture"
    assert intent.amount_capturable == 2000
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert charge.captured is False and charge.paid is True
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 2500})
    captured = client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 1500})
    assert captured.status == "succeeded"
    assert captured.amount_received == 1500
    assert captured.amount_capturable == 0
    assert client.v1.charges.retrieve(intent.latest_charge).amount_captured == 1500
    types = [e.type for e in client.v1.events.list(params={"limit": 4}).data]
    assert types == ["payment_intent.succeeded", "charge.captured",
                     "payment_intent.amount_capturable_updated", "charge.succeeded"]


def test_capture_only_from_requires_capture(client):
    intent = create(client)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.capture(intent.id)
    assert caught.value.code == "payment_intent_unexpected_state"


def test_cancel_rules(client):
    intent = create(client)
    canceled = client.v1.payment_intents.cancel(
        intent.id, params={"cancellation_reason": "abandoned"})
    assert canceled.status == "canceled"
    assert canceled.cancellation_reason == "abandoned"
    assert canceled.canceled_at is not None
    paid = create(client, payment_method="pm_card_visa", confirm=True)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.cancel(paid.id)
    assert caught.value.user_message.startswith(
        "You cannot cancel this PaymentIntent because it has a status of succeeded.")
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})


def test_update_sets_payment_method_and_clears_error(client):
    intent = create(client)
    with pytest.raises(stripe.CardError):
        client.v1.payment_intents.confirm(
            intent.id, params={"payment_method": "pm_card_visa_chargeDeclined"})
    failed = client.v1.payment_intents.retrieve(intent.id)
    assert failed.last_payment_error.code == "card_declined"
    updated = client.v1.payment_intents.update(
        intent.id, params={"payment_method": "pm_card_visa", "amount": 2500,
                           "metadata": {"order_id": "9"}})
    assert updated.last_payment_error is None
    assert updated.status == "requires_confirmation"
    assert updated.amount == 2500
    assert client.v1.payment_intents.confirm(intent.id).status == "succeeded"


def test_new_payment_method_during_3ds_must_be_confirmed_again(client, control):
    intent = create(client, payment_method="pm_card_threeDSecure2Required", confirm=True)
    assert intent.status == "requires_action"
    updated = client.v1.payment_intents.update(
        intent.id, params={"payment_method": "pm_card_visa_chargeDeclined"})
    assert updated.status == "requires_confirmation"
    assert updated.next_action is None
    # The challenge begun for the old card is over: finishing it charges nothing.
    with pytest.raises(ControlError):
        control.authenticate(intent.id, "complete")
    assert client.v1.charges.list().data == []
    with pytest.raises(stripe.CardError):
        client.v1.payment_intents.confirm(intent.id)


def test_new_payment_method_keeps_requires_confirmation(client):
    intent = create(client, payment_method="pm_card_visa")
    assert intent.status == "requires_confirmation"
    updated = client.v1.payment_intents.update(intent.id, params={"payment_method": "pm_card_amex"})
    assert updated.status == "requires_confirmation"
    assert client.v1.payment_methods.retrieve(updated.payment_method).card.brand == "amex"


def test_update_after_success_only_metadata(client):
    intent = create(client, payment_method="pm_card_visa", confirm=True)
    updated = client.v1.payment_intents.update(intent.id, params={"metadata": {"k": "v"}})
    assert updated.metadata.k == "v"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.update(intent.id, params={"amount": 5000})


def test_list_by_customer(client):
    customer = client.v1.customers.create()
    mine = create(client, customer=customer.id)
    create(client)
    listed = client.v1.payment_intents.list(params={"customer": customer.id})
    assert [i.id for i in listed.data] == [mine.id]


def test_unknown_param_names_it(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        create(client, colour="blue")
    assert caught.value.code == "parameter_unknown"
    assert caught.value.param == "colour"
    assert caught.value.user_message == "Received unknown parameter: colour"
    with pytest.raises(stripe.InvalidRequestError) as nested:
        create(client, automatic_payment_methods={"enabled": True, "bogus": "x"},
               payment_method_types=None)
    assert nested.value.param == "automatic_payment_methods[bogus]"


def test_missing_amount(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.create(params={"currency": "usd"})
    assert caught.value.code == "parameter_missing"
    assert caught.value.param == "amount"


@pytest.mark.parametrize(("currency", "amount", "ok"), [
    ("usd", 50, True), ("usd", 49, False), ("gbp", 30, True), ("gbp", 29, False),
    ("jpy", 50, True), ("jpy", 49, False), ("huf", 17499, False), ("mxn", 1000, True),
    ("kwd", 2000, True), ("kwd", 2005, False), ("isk", 10000, True), ("isk", 10050, False),
    ("usd", 99_999_999, True), ("usd", 100_000_000, False),
])
def test_amount_rules(client, currency, amount, ok):
    params = {"amount": amount, "currency": currency, "payment_method_types": ["card"]}
    if ok:
        assert client.v1.payment_intents.create(params=params).amount == amount
        return
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.create(params=params)
    assert caught.value.param == "amount"
    assert caught.value.http_status == 400


def test_amount_too_small_message(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        create(client, amount=10)
    assert caught.value.code == "amount_too_small"
    assert caught.value.user_message == "Amount must be at least $0.50 usd"


@pytest.mark.parametrize(("currency", "amount", "code", "message"), [
    ("eur", 10, "amount_too_small", "Amount must be at least \u20ac0.50 eur"),
    ("krw", 10, "amount_too_small", "Amount must be at least 50 krw"),
    ("huf", 10, "amount_too_small", "Amount must be at least 175.00 huf"),
    ("kwd", 10, "amount_too_small", "Amount must be at least 0.200 kwd"),
    ("usd", 10**8, "amount_too_large", "Amount must be no more than $999,999.99 usd"),
    ("krw", 10**8, "amount_too_large", "Amount must be no more than 99,999,999 krw"),
])
def test_amount_limit_messages_name_the_currency_once(client, currency, amount, code, message):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        create(client, amount=amount, currency=currency)
    assert caught.value.code == code
    assert caught.value.user_message == message


def test_off_session_needs_confirm(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        create(client, off_session=True)
    assert caught.value.param == "off_session"


def test_setup_future_usage_attaches_to_customer(client):
    customer = client.v1.customers.create()
    intent = create(client, customer=customer.id, payment_method="pm_card_visa",
                    setup_future_usage="off_session", confirm=True)
    assert intent.status == "succeeded"
    methods = client.v1.customers.payment_methods.list(customer.id, params={"type": "card"})
    assert [m.id for m in methods.data] == [intent.payment_method]
    attached = client.v1.events.list(params={"type": "payment_method.attached"}).data
    assert attached[0].data.object.customer == customer.id
    again = create(client, customer=customer.id, payment_method=intent.payment_method,
                   off_session=True, confirm=True)
    assert again.status == "succeeded"


def test_create_and_confirm_without_return_url_creates_nothing(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.create(params={
            "amount": 2000, "currency": "usd", "payment_method": "pm_card_visa",
            "confirm": True})
    assert caught.value.param == "return_url"
    assert client.v1.payment_intents.list().data == []
