"""Settings the shop refuses at start-up, each with a message naming the variable and what
it may be: a value let through here would fail later, in front of a customer, or quietly
turn a protection off.
"""

import os
from collections.abc import Mapping
from datetime import date
from functools import cache

from babel.core import get_global
from babel.numbers import get_territory_currencies
from sqlalchemy.engine import make_url


class ConfigError(RuntimeError):
    """Raised at start-up when a setting is missing, unsafe or cannot work."""


def check_config(config: Mapping) -> None:
    """Refuse to run with settings that would lose money, leak sessions or fail later."""
    _check_secrets(config)
    _check_database(config["SQLALCHEMY_DATABASE_URI"])
    _check_currency(config["SHOP_CURRENCY"])
    if config["MAX_PER_PRODUCT"] < 1:
        raise ConfigError("MAX_PER_PRODUCT must be 1 or more: it is how many of a product"
                          " one order may take.")
    if config["SHOP_ENV"] == "production":
        _check_production_keys()
    if config["STRIPE_SECRET_KEY"].startswith("sk_live_") and config["STRIPE_SANDBOX"]:
        raise ConfigError("A live Stripe key must not be pointed at the Stripe sandbox.")


def _check_secrets(config: Mapping) -> None:
    for key in ("SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        if not config.get(key):
            raise ConfigError(f"{key} must be set unless SHOP_ENV is development.")


def _check_production_keys() -> None:
    for key in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"):
        if not os.environ.get(key):
            raise ConfigError(f"{key} must be set in production.")


def _check_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ConfigError(
            "An in-memory SQLite database cannot be shared by the shop's two connection pools"
            " (shop/database.py); give DATABASE_URL a file, as the default does."
        )


@cache
def _currencies_in_use() -> frozenset[str]:
    """Legal tender somewhere at some time since 2015, by Babel's territory data: not
    XXX or XTS (codes for testing), not gold (XAU), not the Deutsche Mark; but still
    the ones replaced lately (ANG, STD), which payment providers keep taking a while."""
    territories = get_global("territory_currencies")
    return frozenset(
        code for territory in territories
        for code in get_territory_currencies(territory, start_date=date(2015, 1, 1),
                                             end_date=date.today(), tender=True)
    )


def _check_currency(currency: str) -> None:
    if currency.upper() not in _currencies_in_use():
        raise ConfigError(f"SHOP_CURRENCY {currency!r} is not a currency in use today.")
