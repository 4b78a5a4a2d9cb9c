"""Exact money: integer minor units, each currency's exponent as Stripe applies it.

Amounts live as `int` minor units with a lower-case ISO currency code. Text an
admin types is parsed with `Decimal`; floats never touch money.
"""

import re
import unicodedata
from copy import copy
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import (
    format_currency,
    format_decimal,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)

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

# The currencies Stripe takes card payments in (its "presentment currencies"); the
# sandbox keeps the same list, and a test holds the two equal.
CARD_CURRENCIES = frozenset({
    "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd", "bdt",
    "bgn", "bhd", "bif", "bmd", "bnd", "bob", "brl", "bsd", "bwp", "byn", "bzd", "cad", "cdf",
    "chf", "clp", "cny", "cop", "crc", "cve", "czk", "djf", "dkk", "dop", "dzd", "egp", "etb",
    "eur", "fjd", "fkp", "gbp", "gel", "gip", "gmd", "gnf", "gtq", "gyd", "hkd", "hnl", "hrk",
    "htg", "huf", "idr", "ils", "inr", "isk", "jmd", "jod", "jpy", "kes", "kgs", "khr", "kmf",
    "krw", "kwd", "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "mad", "mdl", "mga", "mkd",
    "mmk", "mnt", "mop", "mur", "mvr", "mwk", "mxn", "myr", "mzn", "nad", "ngn", "nio", "nok",
    "npr", "nzd", "omr", "pab", "pen", "pgk", "php", "pkr", "pln", "pyg", "qar", "ron", "rsd",
    "rub", "rwf", "sar", "sbd", "scr", "sek", "sgd", "shp", "sle", "sos", "srd", "std", "szl",
    "thb", "tjs", "tnd", "top", "try", "ttd", "twd", "tzs", "uah", "ugx", "usd", "uyu", "uzs",
    "vnd", "vuv", "wst", "xaf", "xcd", "xof", "xpf", "yer", "zar", "zmw",
})  # fmt: skip

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


# More digits than any amount Stripe accepts; refused before Decimal could round them.
_MOST_DIGITS = 15


def _either(options: set[str]) -> str:
    return "|".join(re.escape(o) for o in sorted(options, key=len, reverse=True))


@lru_cache(maxsize=64)
def _typed_amount(currency: str, locale: str) -> re.Pattern[str]:
    """What a person may type for an amount in `currency` in `locale`: the number in
    the locale's own notation, with the currency's code or symbol before or after it.

    Separators mean what they mean in the locale, so "1,50" is one and a half euros
    in de_DE and not an amount at all in en_US, where "1,500" is fifteen hundred. A
    decimal point is also taken where the locale does not group with one (fr_FR:
    "12.50" as well as "12,50"). Anything else is refused, never guessed.
    """
    decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
    marks = {decimal} | ({"."} if group != "." else set())  # see _read_two_ways
    groups = {group} | ({" "} if group.isspace() else set())
    code = currency.upper()
    units = _either({code, currency, get_currency_symbol(code, locale),
                     get_currency_symbol(code, "en_US")})
    # Digits grouped as the locale groups them: by threes, or in India 1,00,000. Some
    # locales group numbers one way and money (what the pages print) the other.
    mark = _either(groups)
    patterns = Locale.parse(locale)
    groupings = {patterns.decimal_formats[None].grouping,
                 patterns.currency_formats["standard"].grouping}
    whole = "|".join(
        [rf"\d{{1,{others}}}(?:(?:{mark})\d{{{others}}})*(?:{mark})\d{{{last}}}"
         for last, others in sorted(groupings)] + [r"\d+"]
    )
    return re.compile(
        rf"(?:(?:{units})\s*)?(?P<minus>-)?(?P<whole>{whole})"
        rf"(?:(?P<mark>{_either(marks)})(?P<fraction>\d+))?(?:\s*(?:{units}))?"
    )


def _read_two_ways(match: re.Match, locale: str) -> bool:
    """A point where the locale's decimal mark is a comma, before three digits: many
    write "1.500" for fifteen hundred there too, so it is refused, not guessed."""
    return (
        match["mark"] == "."
        and get_decimal_symbol(locale) != "."
        and len(match["fraction"] or "") == 3
    )


def parse_amount(text: str, currency: str, locale: str = "en_US") -> int:
    """Parse an amount typed by a person ("12.50", "1,250.00", "¥500", "12,50 €" in
    de_DE) into minor units, exactly."""
    match = _typed_amount(currency.lower(), locale).fullmatch(str(text).strip())
    if not match or _read_two_ways(match, locale):
        example = format_decimal(Decimal("12.50"), format="0.00", locale=locale)
        raise MoneyError(f"Enter an amount such as {example}.")
    whole = "".join(c for c in match["whole"] if c.isdigit())
    fraction = match["fraction"] or "0"
    if match["minus"] or not (whole + fraction).strip("0"):
        raise MoneyError("The amount must be more than zero.")
    if len(whole.lstrip("0")) + len(fraction.rstrip("0")) > _MOST_DIGITS:
        raise MoneyError("That amount is too large.")
    return to_minor(Decimal(f"{whole}.{fraction}"), currency)


def amount_text(amount_minor: int, currency: str, locale: str = "en_US") -> str:
    """Minor units as a person would type them back (no grouping): "25,00" in de_DE."""
    places = exponent(currency)
    pattern = "0" + ("." + "0" * places if places else "")
    return format_decimal(to_decimal(amount_minor, currency), format=pattern, locale=locale)


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
    text = format_currency(
        to_decimal(amount_minor, currency),
        currency.upper(),
        format=pattern,
        locale=locale,
        currency_digits=False,
    )
    return _spaced(text, get_currency_symbol(currency.upper(), locale))


def _spaced(text: str, symbol: str) -> str:
    """`text` with a no-break space between a digit and a symbol made of letters
    ("KWD 7.200", not "KWD7.200"), as CLDR's currency spacing asks; Babel leaves it out.
    Symbols such as $ and € stay next to the number."""
    at = text.find(symbol)
    if at < 0 or not symbol:
        return text
    end = at + len(symbol)
    if end < len(text) and text[end].isdigit() and _is_letter_like(symbol[-1]):
        return text[:end] + "\xa0" + text[end:]
    if at > 0 and text[at - 1].isdigit() and _is_letter_like(symbol[0]):
        return text[:at] + "\xa0" + text[at:]
    return text


def _is_letter_like(char: str) -> bool:
    """Neither a symbol ($, €, ¥) nor a space, in Unicode's categories."""
    return unicodedata.category(char)[0] not in ("S", "Z")


def minimum_charge(currency: str) -> int:
    """Stripe's minimum charge in minor units, where Stripe lists one.

    For the others Stripe asks for "the equivalent of $0.50", which needs an exchange
    rate the shop does not have. It uses 50 minor units (200 for three-decimal
    currencies), as the sandbox does, so that an order Stripe is sure to refuse, like
    one for ₩10, is not placed and left holding stock that no card can pay for.
    """
    code = currency.lower()
    if code in _MINIMUM_MINOR:
        return _MINIMUM_MINOR[code]
    return 200 if code in THREE_DECIMAL else 50


def check_chargeable(amount_minor: int, currency: str, locale: str = "en_US") -> None:
    """Raise MoneyError unless Stripe would accept a charge of `amount_minor`."""
    code = currency.lower()
    if amount_minor < minimum_charge(code):
        least = format_money(minimum_charge(code), code, locale)
        raise MoneyError(f"The amount must be at least {least}.")
    if amount_minor > MAX_AMOUNT_MINOR:
        most = format_money(MAX_AMOUNT_MINOR, code, locale)
        raise MoneyError(f"The amount must be at most {most}.")
    check_steps(amount_minor, code)


def step(currency: str) -> int:
    """The minor units Stripe moves `currency` in, for charges and refunds alike:
    three-decimal currencies in tens (the last decimal 0), ISK in whole units."""
    code = currency.lower()
    return 100 if code in WHOLE_UNITS_ONLY else 10 if code in THREE_DECIMAL else 1


def check_steps(amount_minor: int, currency: str) -> None:
    """Raise MoneyError unless `amount_minor` is a whole number of `step(currency)`."""
    code = currency.lower()
    if amount_minor % step(code) == 0:
        return
    if code in THREE_DECIMAL:
        raise MoneyError(f"{code.upper()} amounts must end in 0 in the last decimal place.")
    raise MoneyError(f"{code.upper()} amounts must be whole units.")
