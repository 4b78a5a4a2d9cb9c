"""Settings the shop refuses at start-up, each with a message naming the variable and what
it may be: a value let through here would fail later, in front of a customer, or quietly
turn a protection off.
"""

import os
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from limits import parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from shop.money import CARD_CURRENCIES


class ConfigError(RuntimeError):
    """Raised at start-up when a setting is missing, unsafe or cannot work."""


SHOP_ENVS = ("development", "staging", "production")
SANDBOX_SECRET_KEY = "sk_test_sandbox"  # noqa: S105 (the offline sandbox's, public)
# What a laptop runs with when no keys are set. They are public (in this repository), so
# anywhere else a known SECRET_KEY signs anyone in as an admin and a known webhook secret
# lets anyone mark an order paid.
STAND_INS = {
    "SECRET_KEY": "dev-only-not-secret",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_sandbox",
    "STRIPE_WEBHOOK_SECRET": "whsec_sandbox",
}
# Where Stripe.js must come from when real cards are taken (config.py's default).
STRIPE_JS = "https://js.stripe.com/v3/"
# What each Stripe setting's value starts with, and what to call it.
KEY_KINDS = {
    "STRIPE_SECRET_KEY": (("sk_", "rk_"), "a secret key (sk_...) or a restricted key (rk_...)"),
    "STRIPE_PUBLISHABLE_KEY": (("pk_",), "a publishable key (pk_...)"),
    "STRIPE_WEBHOOK_SECRET": (("whsec_",), "a webhook signing secret (whsec_...)"),
}
# The least each whole-number setting may be, and what it means.
MINIMUMS = {
    "MAX_PER_PRODUCT": (1, "how many of a product one order may take"),
    "PRODUCTS_PER_PAGE": (1, "the catalog's page size"),
    "RESERVATION_MINUTES": (1, "how long a pending order holds its stock"),
    "CATALOG_CACHE_SECONDS": (0, "0 turns the catalog cache off"),
    "DATABASE_PING_IDLE_SECONDS": (0, "0 checks every pooled connection before use"),
    "STRIPE_MAX_RETRIES": (0, "retries of a failed Stripe call"),
    "PROXY_FIX": (0, "how many proxies stand in front of the shop"),
}


def check_config(config: Mapping) -> None:
    """Refuse to run with settings that would lose money, leak sessions or fail later."""
    _check_shop_env(config["SHOP_ENV"])
    _check_secrets(config)
    _check_database(config["SQLALCHEMY_DATABASE_URI"])
    _check_currency(config["SHOP_CURRENCY"])
    _check_locale(config["SHOP_LOCALE"])
    _check_time_zone(config["SHOP_TIMEZONE"])
    _check_numbers(config)
    _check_rate_limits(config)
    if config["SHOP_ENV"] == "production":
        _check_production_keys()
    _check_stripe_keys(config)


def _check_shop_env(env: str) -> None:
    # Any other value would count as neither: a typo of production skipping its checks.
    if env not in SHOP_ENVS:
        raise ConfigError(f"SHOP_ENV must be development, staging or production, not {env!r}.")


def _check_secrets(config: Mapping) -> None:
    for key in ("SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        if not config.get(key):
            raise ConfigError(f"{key} must be set unless SHOP_ENV is development.")
    if config["SHOP_ENV"] == "development":
        return
    for key, stand_in in STAND_INS.items():
        if config[key] == stand_in:
            raise ConfigError(f"{key} must not be the public stand-in {stand_in!r} unless"
                              " SHOP_ENV is development: set your own.")
    # An earlier key still opens sessions: the public one would let anyone sign in as anyone.
    if STAND_INS["SECRET_KEY"] in (config.get("SECRET_KEY_FALLBACKS") or ()):
        raise ConfigError(f"SECRET_KEY_FALLBACKS must not hold the public stand-in"
                          f" {STAND_INS['SECRET_KEY']!r} unless SHOP_ENV is development:"
                          " sessions signed with it would still open.")


def _check_production_keys() -> None:
    for key in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"):
        if not os.environ.get(key):
            raise ConfigError(f"{key} must be set in production.")


def _check_key_kinds(config: Mapping) -> None:
    """Each Stripe setting holds its own kind of key. The publishable key is printed on
    every pay page: a secret key there would be handed to anyone who opens one."""
    for key, (prefixes, kind) in KEY_KINDS.items():
        value = config.get(key)
        if value and not value.startswith(prefixes):
            # Only the start is shown: the value may be a secret in the wrong place.
            raise ConfigError(f"{key} must be {kind}, not a value starting {value[:8]!r}.")


def _check_stripe_keys(config: Mapping) -> None:
    """A real secret key needs its own publishable key (for Stripe.js) and webhook
    secret (for every event), both from the same mode, live or test. A live key takes
    real cards, so its card form must be Stripe's own."""
    _check_key_kinds(config)
    secret_key = config["STRIPE_SECRET_KEY"]
    if secret_key != SANDBOX_SECRET_KEY:
        for key in ("STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"):
            if config[key] == STAND_INS[key]:
                raise ConfigError(f"STRIPE_SECRET_KEY is set, so {key} must be set too (not the"
                                  f" sandbox's {STAND_INS[key]!r}): copy it from the Stripe"
                                  " Dashboard.")
    live = secret_key.startswith(("sk_live_", "rk_live_"))
    if live != config["STRIPE_PUBLISHABLE_KEY"].startswith("pk_live_"):
        raise ConfigError("STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY must be both live keys"
                          " (sk_live_, pk_live_) or both test keys (sk_test_, pk_test_).")
    if live and config["STRIPE_SANDBOX"]:
        raise ConfigError("A live Stripe key must not be pointed at the Stripe sandbox.")
    if live and config["STRIPE_JS_URL"] != STRIPE_JS:
        # Customers type card numbers into the form this script draws; the CSP allows its
        # host too.
        raise ConfigError(f"STRIPE_JS_URL must be Stripe's own {STRIPE_JS} with a live key,"
                          f" not {config['STRIPE_JS_URL']!r}: unset it.")


def _check_database(url: str) -> None:
    try:
        parsed = make_url(url)
    except ArgumentError:
        # Not echoed: the URL holds the database's password.
        raise ConfigError("DATABASE_URL must be a URL such as"
                          " postgresql+psycopg://user:password@host/db.") from None
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql") and parsed.drivername != "postgresql+psycopg":
        # postgres:// is no dialect; postgresql:// means psycopg2, which is not installed.
        raise ConfigError(f"DATABASE_URL must start with postgresql+psycopg:// (the psycopg 3"
                          f" driver the shop installs), not {parsed.drivername}://.")
    if backend not in ("postgresql", "sqlite"):
        # The shop installs no other driver, and its upserts and row locks are written for
        # these two (shop/database.py).
        raise ConfigError(f"DATABASE_URL must be PostgreSQL (postgresql+psycopg://...) or SQLite"
                          f" (sqlite:///path), not {parsed.drivername}://.")
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ConfigError(
            "An in-memory SQLite database cannot be shared by the shop's two connection pools"
            " (shop/database.py); give DATABASE_URL a file, as the default does."
        )


def _check_currency(currency: str) -> None:
    if currency.lower() not in CARD_CURRENCIES:
        raise ConfigError(f"SHOP_CURRENCY {currency!r} is not a currency Stripe takes card"
                          " payments in (an ISO code such as usd, eur or jpy).")


def _is_locale(name: str) -> bool:
    try:
        Locale.parse(name)
    except (ValueError, UnknownLocaleError):
        return False
    return True


def _check_locale(locale: str) -> None:
    if _is_locale(locale):
        return
    written = locale.replace("-", "_")
    hint = f"; write {written!r}" if written != locale and _is_locale(written) else ""
    raise ConfigError(
        f"SHOP_LOCALE must be a locale such as en_US or de_DE, not {locale!r}{hint}."
    )


def _check_time_zone(zone: str) -> None:
    try:
        ZoneInfo(zone)
    # A folder of zones (Europe) is opened as a file where the tzdata package holds them.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(f"SHOP_TIMEZONE must be a time zone such as UTC, Europe/Berlin or"
                          f" America/New_York, not {zone!r}.") from None


def _check_numbers(config: Mapping) -> None:
    for key, (least, meaning) in MINIMUMS.items():
        if config[key] < least:
            raise ConfigError(f"{key} must be {least} or more ({meaning}), not {config[key]!r}.")
    if not config["STRIPE_TIMEOUT"] > 0:
        raise ConfigError("STRIPE_TIMEOUT must be more than 0 (seconds before one try of a"
                          f" Stripe call gives up), not {config['STRIPE_TIMEOUT']!r}.")


def _check_rate_limits(config: Mapping) -> None:
    # Flask-Limiter logs and skips a limit it cannot parse: a typo would turn it off.
    for key, value in config.items():
        if key.endswith("_RATE_LIMIT"):
            try:
                parse_many(value)
            except ValueError:
                raise ConfigError(f"{key} must be limits such as 10/minute;50/hour, not"
                                  f" {value!r}.") from None
