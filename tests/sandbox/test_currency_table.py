"""SANDBOX.md §7, currency by currency: every listed minimum (the minimum is taken, one
minor unit less is amount_too_small), every three-decimal currency's last-digit rule, and
zero-decimal currencies written without decimals in Stripe's limit messages."""

import pytest
import stripe

MINIMUMS = {
    **dict.fromkeys(["usd", "aud", "brl", "cad", "chf", "eur", "inr", "nzd", "sgd", "jpy"], 50),
    "gbp": 30, "bgn": 100,
    **dict.fromkeys(["aed", "myr", "pln", "ron"], 200),
    "dkk": 250, "nok": 300, "sek": 300, "hkd": 400, "mxn": 1000, "thb": 1000,
    "czk": 1500, "huf": 17500,
}
ZERO_DECIMAL = ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx",
                "vnd", "vuv", "xaf", "xof", "xpf"]
THREE_DECIMAL = ["bhd", "jod", "kwd", "omr", "tnd"]


def create(client, currency, amount):
    return client.v1.payment_intents.create(params={
        "amount": amount, "currency": currency, "payment_method_types": ["card"]})


@pytest.mark.parametrize(("currency", "minimum"), sorted(MINIMUMS.items()))
def test_each_listed_minimum(client, currency, minimum):
    assert create(client, currency, minimum).amount == minimum
    with pytest.raises(stripe.InvalidRequestError) as caught:
        create(client, currency, minimum - 1)
    assert (caught.value.code, caught.value.param) == ("amount_too_small", "amount")


@pytest.mark.parametrize("currency", THREE_DECIMAL)
def test_each_three_decimal_currency_needs_a_last_digit_of_zero(client, currency):
    assert create(client, currency, 2000).amount == 2000
    with pytest.raises(stripe.InvalidRequestError) as caught:
        create(client, currency, 2005)
    assert (caught.value.code, caught.value.param) == ("invalid_amount", "amount")


@pytest.mark.parametrize("currency", ZERO_DECIMAL)
def test_each_zero_decimal_currency_has_no_decimals(client, currency):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        create(client, currency, 100_000_000)
    assert caught.value.code == "amount_too_large"
    assert caught.value.user_message.endswith(f"99,999,999 {currency}")
