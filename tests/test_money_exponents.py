"""Every currency's exponent as Stripe applies it, and money words in the shop's locale."""

from decimal import Decimal

import pytest

from shop.money import (
    CARD_CURRENCIES,
    MoneyError,
    amount_text,
    check_chargeable,
    exponent,
    format_money,
    parse_amount,
    to_decimal,
)
from stripe_sandbox import currencies as sandbox_currencies

# docs.stripe.com/currencies: zero-decimal and three-decimal currencies.
STRIPE_ZERO_DECIMAL = ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf",
                       "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]
STRIPE_THREE_DECIMAL = ["bhd", "jod", "kwd", "omr", "tnd"]


@pytest.mark.parametrize("currency", STRIPE_ZERO_DECIMAL)
def test_a_zero_decimal_currency_is_charged_in_whole_units(currency):
    assert exponent(currency) == 0
    assert exponent(currency.upper()) == 0
    assert to_decimal(5000, currency) == Decimal(5000)  # 5,000 units, not 50.00
    assert parse_amount("5000", currency) == 5000


@pytest.mark.parametrize("currency", STRIPE_THREE_DECIMAL)
def test_a_three_decimal_currency_has_three_places(currency):
    assert exponent(currency) == 3
    assert parse_amount("1.5", currency) == 1500


def test_every_card_currency_has_the_exponent_stripe_charges_it_in():
    for currency in sorted(CARD_CURRENCIES):
        expected = (0 if currency in STRIPE_ZERO_DECIMAL
                    else 3 if currency in STRIPE_THREE_DECIMAL else 2)
        assert exponent(currency) == expected, currency
        assert exponent(currency) == sandbox_currencies.decimals(currency), currency


@pytest.mark.parametrize(("minor", "currency", "text"), [
    (500, "jpy", "500"),
    (2670, "kwd", "2.670"),
    (1999, "usd", "19.99"),
])
def test_the_amount_offered_to_refund_has_the_currencys_own_places(minor, currency, text):
    assert amount_text(minor, currency) == text


def test_the_limits_are_told_in_the_shops_locale():
    with pytest.raises(MoneyError) as low:
        check_chargeable(10, "eur", "de_DE")
    assert str(low.value) == "The amount must be at least 0,50\xa0€."
    with pytest.raises(MoneyError) as high:
        check_chargeable(1_000_000_000, "eur", "de_DE")
    assert str(high.value) == "The amount must be at most 999.999,99\xa0€."


def test_a_point_before_four_digits_is_a_decimal_point_even_where_commas_are():
    # Only "1.500" could be fifteen hundred; "1.2500" cannot be read two ways.
    assert parse_amount("1.2500", "eur", "fr_FR") == 125


def test_a_currency_code_written_after_the_number_stands_apart_from_it():
    shown = format_money(1200, "chf", "bn")  # bn writes the code after the number
    assert shown == "12.00\xa0CHF"
    assert parse_amount(shown, "chf", "bn") == 1200


def test_a_dollar_sign_is_read_where_the_locale_writes_dollars_otherwise():
    # fr_FR writes "12,50 $US", but a person may well type the plain "$".
    assert parse_amount("12,50 $", "usd", "fr_FR") == 1250
    assert parse_amount("12,50 $US", "usd", "fr_FR") == 1250


def test_a_long_fraction_is_refused_rather_than_rounded_to_a_whole_amount():
    with pytest.raises(MoneyError, match="too large"):
        parse_amount("1." + "0" * 28 + "1", "usd")  # not $1.00
