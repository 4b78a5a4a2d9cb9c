"""Currency rules: decimals, minimum and maximum amounts (minor units)."""

from __future__ import annotations

from .errors import StripeError

ZERO_DECIMAL = frozenset(
    [
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
        "xaf", "xof", "xpf",
    ]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])

MINIMUMS = {
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
# Other currencies need "the equivalent of $0.50"; without exchange rates the sandbox
# uses 50 minor units (200 for three-decimal ones), which is lenient but never stricter
# than Stripe for the major currencies the shop offers.
DEFAULT_MINIMUM = 50
MAXIMUM = 99_999_999

# Stripe's presentment currencies for card payments (docs.stripe.com/currencies, "more
# than 135"): the codes a PaymentIntent may be created in. bhd, jod, kwd, omr and tnd are
# offered to accounts in the United Arab Emirates; the sandbox accepts them for everyone,
# as it has no account country.
SUPPORTED = frozenset(
    [
        "usd", "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd",
        "bdt", "bgn", "bhd", "bif", "bmd", "bnd", "bob", "brl", "bsd", "bwp", "byn", "bzd", "cad",
        "cdf", "chf", "clp", "cny", "cop", "crc", "cve", "czk", "djf", "dkk", "dop", "dzd", "egp",
        "etb", "eur", "fjd", "fkp", "gbp", "gel", "gip", "gmd", "gnf", "gtq", "gyd", "hkd", "hnl",
        "hrk", "htg", "huf", "idr", "ils", "inr", "isk", "jmd", "jod", "jpy", "kes", "kgs", "khr",
        "kmf", "krw", "kwd", "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "mad", "mdl", "mga",
        "mkd", "mmk", "mnt", "mop", "mur", "mvr", "mwk", "mxn", "myr", "mzn", "nad", "ngn", "nio",
        "nok", "npr", "nzd", "omr", "pab", "pen", "pgk", "php", "pkr", "pln", "pyg", "qar", "ron",
        "rsd", "rub", "rwf", "sar", "sbd", "scr", "sek", "sgd", "shp", "sle", "sos", "srd", "std",
        "szl", "thb", "tjs", "tnd", "top", "try", "ttd", "twd", "tzs", "uah", "ugx", "uyu", "uzs",
        "vnd", "vuv", "wst", "xaf", "xcd", "xof", "xpf", "yer", "zar", "zmw",
    ]
)

# Stripe's "Invalid currency" message names usd first, then the rest alphabetically.
_LISTED = ["usd", *sorted(SUPPORTED - {"usd"})]

_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "aud": "$", "cad": "$"}


def decimals(currency: str) -> int:
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def minimum(currency: str) -> int:
    if currency in MINIMUMS:
        return MINIMUMS[currency]
    return 200 if currency in THREE_DECIMAL else DEFAULT_MINIMUM


def _figures(amount: int, currency: str) -> tuple[str, str]:
    """The sign and the unsigned major-unit figures: ``(-2000, "usd")`` → ``("-", "20.00")``."""
    places = decimals(currency)
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**places) if places else (abs(amount), 0)
    return sign, f"{whole:,}" + (f".{frac:0{places}d}" if places else "")


def format_amount(amount: int, currency: str) -> str:
    """``format_amount(2000, "usd")`` → ``"$20.00"`` as Stripe writes it in messages."""
    sign, text = _figures(amount, currency)
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency.upper()}"


def _limit(amount: int, currency: str) -> str:
    """``"$0.50 usd"`` or ``"50 krw"``: the limits name the currency code once, lower case."""
    sign, text = _figures(amount, currency)
    return f"{sign}{_SYMBOLS.get(currency, '')}{text} {currency}"


def check_currency(currency: str) -> str:
    currency = currency.lower()
    if currency not in SUPPORTED:
        raise StripeError(
            400,
            f"Invalid currency: {currency}. Stripe currently supports these currencies: "
            + ", ".join(_LISTED),
            param="currency",
        )
    return currency


def check_amount(amount: int, currency: str, param: str = "amount") -> None:
    """Raise Stripe's 400 for an amount the currency cannot take."""
    low = minimum(currency)
    if amount < low:
        raise StripeError(
            400,
            f"Amount must be at least {_limit(low, currency)}",
            code="amount_too_small",
            param=param,
        )
    if amount > MAXIMUM:
        raise StripeError(
            400,
            f"Amount must be no more than {_limit(MAXIMUM, currency)}",
            code="amount_too_large",
            param=param,
        )
    check_step(amount, currency, param)


def check_step(amount: int, currency: str, param: str = "amount") -> None:
    """Raise Stripe's 400 for an amount between the steps the currency moves in.

    Refunds take this rule but not the minimum: Stripe refunds small amounts.
    """
    if currency in THREE_DECIMAL and amount % 10:
        raise StripeError(
            400,
            f"Invalid amount for {currency.upper()}: the last digit must be 0 "
            "(three-decimal currencies are charged in multiples of 10 minor units).",
            code="invalid_amount",
            param=param,
        )
    if currency == "isk" and amount % 100:
        raise StripeError(
            400,
            "Invalid amount for ISK: amounts must be a multiple of 100 (whole krónur).",
            code="invalid_amount",
            param=param,
        )
