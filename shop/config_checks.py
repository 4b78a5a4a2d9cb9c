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


def check_config(config: Mapping) -> None:
    """Refuse to run with settings that would lose money, leak sessions or fail later."""
    _check_shop_env(config["SHOP_ENV"])
    _check_secrets(config)
    _check_database(config["SQLALCHEMY_DATABASE_URI"])
    _check_currency(config["SHOP_CURRENCY"])
    if config["MAX_PER_PRODUCT"] < 1:
        raise ConfigError("MAX_PER_PRODUCT must be 1 or more: it is how many of a product"
                          " one order may take.")
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


def _check_production_keys() -> None:
    for key in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"):
        if not os.environ.get(key):
            raise ConfigError(f"{key} must be set in production.")


def _check_stripe_keys(config: Mapping) -> None:
    """A real secret key needs its own publishable key (for Stripe.js) and webhook
    secret (for every event), both from the same mode, live or test."""
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
