"""Exact money: integer minor units, each currency's exponent as Stripe applies it.

Amounts live as `int` minor units with a lower-case ISO currency code. Text an
admin types is parsed with `Decimal`; floats never touch money.
"""

import re
from copy import copy
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency

ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])
# Two-decimal in the API, but Stripe only charges whole units.
WHOLE_UNITS_ONLY = frozenset({"isk"})

MAX_AMOUNT_MINOR = 99_999_999
_MINIMUM_MINOR = {
    **dict.fromkeys(["usd", "aud", "brl", "cad", "chf", "eur", "inr", "nzd", "sgd", "jpy"], 50),
    "gbp": 30,
    "bgn": 100,
    **dict.fromkeys(["aed", "myr", "pln", "ron"], 200),
    "dkk": 250,
    **dict.fromkeys(["nok", "sek"], 300),
    "hkd": 400,
    **dict.fromkeys(["mxn", "thb"], 1000),
    "czk": 1500,
    "huf": 17500,
}


class MoneyError(ValueError):
    """An amount that cannot be used; the message is fit to show a person."""


def exponent(currency: str) -> int:
    """Number of decimal places of `currency` in Stripe's minor units."""
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    """Minor units → major units, exactly."""
    return Decimal(amount_minor).scaleb(-exponent(currency))


def to_minor(amount: Decimal, currency: str) -> int:
    """Major units → minor units; refuses amounts finer than the currency allows."""
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise MoneyError(
            f"{currency.upper()} amounts have at most {exponent(currency)} decimal places."
        )
    return int(scaled)


def round_minor(amount: Decimal, currency: str) -> int:
    """Major units → minor units, rounding half to even (for computed amounts like tax)."""
    return int(amount.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


_TYPED_AMOUNT = re.compile(r"^(?P<before>[^\d.,-]*)(?P<number>-?[\d,]*\.?\d*)(?P<after>[^\d.,-]*)$")


def _symbol_ok(text: str, currency: str) -> bool:
    """A typed amount may carry the currency's code or a symbol, nothing else."""
    text = text.strip()
    return not text or text.upper() == currency.upper() or not any(c.isalnum() for c in text)


def parse_amount(text: str, currency: str) -> int:
    """Parse an amount typed by a person ("12.50", "1,250.00", "¥500") into minor units."""
    match = _TYPED_AMOUNT.match(str(text).strip())
    number = match["number"].replace(",", "") if match else ""
    if (
        not match
        or not re.fullmatch(r"-?(\d+(\.\d+)?|\.\d+)", number)
        or not _symbol_ok(match["before"], currency)
        or not _symbol_ok(match["after"], currency)
    ):
        raise MoneyError("Enter an amount such as 12.50.")
    value = Decimal(number)
    if value <= 0:
        raise MoneyError("The amount must be more than zero.")
    return to_minor(value, currency)


@lru_cache(maxsize=8192)
def format_money(amount_minor: int, currency: str, locale: str = "en_US") -> str:
    """Format minor units for people, with exactly the currency's Stripe exponent.

    Pages show the same few prices over and over and Babel's formatting is costly,
    so results are remembered (the function is pure).
    """
    places = exponent(currency)
    # Babel's own digits for a few currencies differ from Stripe's exponent; keep the
    # locale's pattern but force ours.
    pattern = copy(Locale.parse(locale).currency_formats["standard"])
    pattern.frac_prec = (places, places)
    return format_currency(
        to_decimal(amount_minor, currency),
        currency.upper(),
        format=pattern,
        locale=locale,
        currency_digits=False,
    )


def minimum_charge(currency: str) -> int:
    """Stripe's minimum charge in minor units (the equivalent of $0.50 otherwise)."""
    code = currency.lower()
    if code in _MINIMUM_MINOR:
        return _MINIMUM_MINOR[code]
    if code in ZERO_DECIMAL:
        return 1
    return 50 if exponent(code) == 2 else 500


def check_chargeable(amount_minor: int, currency: str, locale: str = "en_US") -> None:
    """Raise MoneyError unless Stripe would accept a charge of `amount_minor`."""
    code = currency.lower()
    if amount_minor < minimum_charge(code):
        least = format_money(minimum_charge(code), code, locale)
        raise MoneyError(f"The amount must be at least {least}.")
    if amount_minor > MAX_AMOUNT_MINOR:
        most = format_money(MAX_AMOUNT_MINOR, code, locale)
        raise MoneyError(f"The amount must be at most {most}.")
    if code in THREE_DECIMAL and amount_minor % 10:
        raise MoneyError(f"{code.upper()} amounts must end in 0 in the last decimal place.")
    if code in WHOLE_UNITS_ONLY and amount_minor % 100:
        raise MoneyError(f"{code.upper()} amounts must be whole units.")
