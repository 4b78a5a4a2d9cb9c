from decimal import Decimal

import pytest

from shop.money import (
    CARD_CURRENCIES,
    MoneyError,
    amount_text,
    check_chargeable,
    check_steps,
    exponent,
    format_money,
    minimum_charge,
    parse_amount,
    round_minor,
    to_decimal,
    to_minor,
)
from stripe_sandbox import currencies as sandbox_currencies


@pytest.mark.parametrize(
    ("currency", "places"), [("usd", 2), ("JPY", 0), ("krw", 0), ("kwd", 3), ("bhd", 3), ("isk", 2)]
)
def test_exponent_follows_stripe(currency, places):
    assert exponent(currency) == places


def test_minor_units_round_trip_exactly():
    assert to_decimal(1999, "usd") == Decimal("19.99")
    assert to_decimal(500, "jpy") == Decimal("500")
    assert to_decimal(2675, "kwd") == Decimal("2.675")
    assert to_minor(Decimal("19.99"), "usd") == 1999
    assert to_minor(Decimal("500"), "jpy") == 500


def test_2_675_is_exact_and_never_a_float():
    # float(2.675) * 100 == 267.49999..., the classic rounding bug.
    assert parse_amount("2.675", "kwd") == 2675
    with pytest.raises(MoneyError, match="at most 2 decimal places"):
        parse_amount("2.675", "usd")
    assert round_minor(Decimal("2.675"), "usd") == 268
    assert round_minor(Decimal("2.665"), "usd") == 266


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("12.50", "usd", 1250),
        ("1,250.00", "usd", 125000),
        ("$0.5", "usd", 50),
        ("500", "jpy", 500),
        ("¥1,000", "jpy", 1000),
        ("1.5", "kwd", 1500),
        ("10", "isk", 1000),
    ],
)
def test_parse_amount(typed, currency, minor):
    assert parse_amount(typed, currency) == minor


@pytest.mark.parametrize("typed", ["", "abc", "0", "-5", "1.2.3", "1e5", "NaN", "5-"])
def test_parse_amount_refuses_nonsense(typed):
    with pytest.raises(MoneyError):
        parse_amount(typed, "usd")


def test_parse_amount_refuses_fractions_of_yen():
    with pytest.raises(MoneyError, match="at most 0 decimal places"):
        parse_amount("500.5", "jpy")


def test_format_uses_each_currencys_exponent():
    assert format_money(123456, "usd") == "$1,234.56"
    assert format_money(500, "jpy") == "¥500"
    assert format_money(12345, "kwd").endswith("12.345")
    assert format_money(1000, "isk").endswith("10.00")
    assert format_money(123456, "eur", "de_DE") == "1.234,56\xa0€"


@pytest.mark.parametrize(("minor", "currency", "locale", "shown"), [
    (7200, "kwd", "en_US", "KWD\xa07.200"),
    (5000, "chf", "en_US", "CHF\xa050.00"),
    (123456, "sek", "en_US", "SEK\xa01,234.56"),
    (1200, "usd", "en_US", "$12.00"),  # a sign, not letters: no space
    (123400, "chf", "de_CH", "CHF\xa01\u2019234.00"),  # the locale's own space, not two
])
def test_a_currency_code_stands_apart_from_its_amount(minor, currency, locale, shown):
    assert format_money(minor, currency, locale) == shown
    assert parse_amount(shown, currency, locale) == minor


def test_the_shop_offers_the_currencies_the_sandbox_takes_as_stripe_does():
    assert CARD_CURRENCIES == sandbox_currencies.SUPPORTED


def test_the_shop_refuses_no_amount_the_sandbox_takes_and_takes_none_it_refuses():
    for currency in sorted(CARD_CURRENCIES):
        assert minimum_charge(currency) == sandbox_currencies.minimum(currency), currency


def test_stripe_minimums_and_maximum():
    assert minimum_charge("usd") == 50
    assert minimum_charge("gbp") == 30
    assert minimum_charge("jpy") == 50
    assert minimum_charge("huf") == 17500
    with pytest.raises(MoneyError, match=r"at least \$0.50"):
        check_chargeable(49, "usd")
    check_chargeable(50, "usd")
    check_chargeable(99_999_999, "usd")
    with pytest.raises(MoneyError, match="at most"):
        check_chargeable(100_000_000, "usd")


def test_three_decimal_and_isk_rules():
    check_chargeable(2670, "kwd")
    with pytest.raises(MoneyError, match="end in 0"):
        check_chargeable(2675, "kwd")
    check_chargeable(1000, "isk")
    with pytest.raises(MoneyError, match="whole units"):
        check_chargeable(1050, "isk")


@pytest.mark.parametrize("typed", ["12.50 USD", "USD 12.50", " 12.5 "])
def test_parse_amount_accepts_the_currency_code(typed):
    assert parse_amount(typed, "usd") == 1250


def test_parse_amount_refuses_another_currency_code():
    with pytest.raises(MoneyError):
        parse_amount("12.50 EUR", "usd")


@pytest.mark.parametrize(
    ("typed", "currency", "locale", "minor"),
    [
        ("1,50", "eur", "de_DE", 150),
        ("1.500", "eur", "de_DE", 150000),  # the group mark in de_DE
        ("1.250,00 €", "eur", "de_DE", 125000),
        ("12.50", "eur", "fr_FR", 1250),  # fr_FR groups with a space, so "." is decimal
        ("1 234,50 €", "eur", "fr_FR", 123450),
        ("CHF 1\u2019250.50", "chf", "de_CH", 125050),
        ("\uff11\uff10\uff10", "jpy", "en_US", 100),  # full-width digits
        ("1.0000000000000000", "usd", "en_US", 100),  # trailing zeros add no digits
        ("1,00,000.00", "inr", "en_IN", 10000000),  # one lakh, grouped as in India
        ("\u20b912,34,567.50", "inr", "en_IN", 123456750),
        ("\u20b9123,456.70", "inr", "mr_IN", 12345670),  # mr_IN groups money by threes
        ("1,23,456.70", "inr", "mr_IN", 12345670),  # and other numbers as in India
    ],
)
def test_parse_amount_reads_the_shops_locale(typed, currency, locale, minor):
    assert parse_amount(typed, currency, locale) == minor


@pytest.mark.parametrize(
    ("typed", "locale"),
    [
        ("12,50", "en_US"),  # not 1,250.00
        ("1,5", "en_US"),
        (",5", "en_US"),
        ("1,2,3", "en_US"),
        ("25.00", "de_DE"),  # in de_DE that is no amount: 2.500,00 would be
        ("1.500", "fr_FR"),  # fifteen hundred to many in France, one and a half to some
        ("2.500", "sv_SE"),
        ("12.000", "pl_PL"),
        ("12 ¢", "en_US"),  # not $12
        ("(5)", "en_US"),
        ("\u221210", "en_US"),  # a minus sign, not a currency symbol
        ("1,00,000", "en_US"),  # Indian grouping outside India
        ("US$5", "en_US"),
        ("€12", "en_US"),  # another currency's symbol
    ],
)
def test_parse_amount_refuses_what_it_could_only_guess(typed, locale):
    with pytest.raises(MoneyError, match="Enter an amount such as"):
        parse_amount(typed, "usd", locale)


def test_parse_amount_refuses_more_digits_than_any_amount_rather_than_rounding():
    with pytest.raises(MoneyError, match="too large"):
        parse_amount("1" * 30, "usd")
    with pytest.raises(MoneyError, match="too large"):
        parse_amount("1" * 27, "usd")


def test_amount_text_is_what_parse_amount_reads_back():
    for minor, currency, locale in [(2500, "eur", "de_DE"), (2670, "kwd", "en_US"),
                                    (500, "jpy", "ja_JP"), (123456, "usd", "en_US"),
                                    (123450, "eur", "fr_FR")]:
        text = amount_text(minor, currency, locale)
        assert parse_amount(text, currency, locale) == minor, text
    assert amount_text(2500, "eur", "de_DE") == "25,00"


def test_zero_decimal_currencies_without_a_listed_minimum_still_have_one():
    with pytest.raises(MoneyError, match="at least"):
        check_chargeable(10, "krw")
    check_chargeable(1000, "krw")


def test_refund_steps_are_the_charge_steps():
    check_steps(2670, "kwd")
    with pytest.raises(MoneyError, match="end in 0"):
        check_steps(2675, "kwd")
    with pytest.raises(MoneyError, match="whole units"):
        check_steps(1050, "isk")
    check_steps(1, "usd")  # no minimum: a refund may be a cent
