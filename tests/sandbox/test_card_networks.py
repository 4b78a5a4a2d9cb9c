"""Brand, funding and length of cards beyond the basic test numbers: the 2-series
Mastercard range, Discover's 65 and 644-649 ranges, the Mastercard debit test method and
19-digit numbers (UnionPay's test card), as Stripe reads them."""

import pytest


def card(client, number, cvc="123"):
    return client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": number, "exp_month": 12, "exp_year": 2040, "cvc": cvc}})


@pytest.mark.parametrize(("number", "brand"), [
    ("2223003122003222", "mastercard"),  # Stripe's 2-series Mastercard test card
    ("6500000000000002", "discover"),
    ("6440000000000005", "discover"),
    ("6490000000000004", "discover"),
])
def test_brand_ranges(client, number, brand):
    method = card(client, number)
    assert method.card.brand == brand
    assert method.card.last4 == number[-4:]


def test_mastercard_debit_test_method_is_debit(client, pay):
    intent = pay("pm_card_mastercard_debit")
    method = client.v1.payment_methods.retrieve(intent.payment_method)
    assert (method.card.brand, method.card.funding, method.card.last4) == (
        "mastercard", "debit", "8210")


def test_a_nineteen_digit_card_is_a_card(client, pay):
    method = card(client, "6205500000000000004")  # Stripe's 19-digit UnionPay test card
    assert method.card.brand == "unionpay"
    assert method.card.last4 == "0004"
    assert pay(method.id).status == "succeeded"
