"""Currencies through the real SDK: Stripe's presentment currencies for cards, and the
message for one it does not take."""

import pytest
import stripe

from stripe_sandbox import currencies


def create(client, currency, amount, **params):
    return client.v1.payment_intents.create(params={
        "amount": amount, "currency": currency, "payment_method_types": ["card"], **params})


@pytest.mark.parametrize(("currency", "amount"), [
    ("try", 5000), ("cny", 500), ("sar", 500), ("qar", 500), ("kzt", 50000), ("uah", 5000),
    ("byn", 500), ("mmk", 5000), ("sle", 500), ("xcd", 500), ("mad", 500), ("vnd", 60000),
])
def test_stripe_presentment_currencies_take_card_payments(client, currency, amount):
    intent = create(client, currency, amount, payment_method="pm_card_visa", confirm=True)
    assert intent.currency == currency
    assert intent.status == "succeeded"
    assert client.v1.charges.retrieve(intent.latest_charge).currency == currency


def test_the_list_is_stripes_more_than_135(client):
    assert len(currencies.SUPPORTED) > 135
    # Every currency with its own rule (decimals, minimum) is one a payment can be made in.
    ruled = currencies.MINIMUMS.keys() | currencies.ZERO_DECIMAL | currencies.THREE_DECIMAL
    assert ruled <= currencies.SUPPORTED
    for currency in sorted(currencies.SUPPORTED):
        amount = max(currencies.minimum(currency), 10_000)
        assert create(client, currency, amount).currency == currency


def test_an_unknown_currency_is_refused_with_stripes_list(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        create(client, "xyz", 2000)
    assert caught.value.http_status == 400
    assert caught.value.param == "currency"
    listed = caught.value.user_message.split("these currencies: ", 1)[1].split(", ")
    assert caught.value.user_message.startswith("Invalid currency: xyz. ")
    assert listed[0] == "usd"  # as Stripe names it, then the rest in order
    assert listed[1:] == sorted(listed[1:])
    assert set(listed) == currencies.SUPPORTED
