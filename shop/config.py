"""Settings read from the environment.

Development needs no keys: it points at the offline Stripe sandbox started by
`make run`. Production refuses to start without a secret key and Stripe keys;
shop/config_checks.py holds every check the settings must pass at start-up.
"""

import math
import os
from pathlib import Path

from shop.config_checks import SANDBOX_SECRET_KEY, STAND_INS, STRIPE_JS, ConfigError
from shop.config_checks import check_config as check_config  # create_app's import

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_URL = "http://127.0.0.1:12111"
STRIPE_API = "https://api.stripe.com"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}.") from None


def _env_float(name: str, default: float) -> float:
    value = _env(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ConfigError(f"{name} must be a number, not {value!r}.")
    return number


_YES, _NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _env_flag(name: str, default: bool) -> bool:
    """1/true/yes/on or 0/false/no/off; anything else is refused, not read as "off"."""
    value = (_env(name) or "").strip().lower()
    if not value:
        return default
    if value not in _YES + _NO:
        raise ConfigError(f"{name} must be 1 or 0 (or true/false, yes/no), not {value!r}.")
    return value in _YES


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in (_env(name) or "").split(",") if item.strip()]


def load_config() -> dict:
    """Build the app's settings from the environment."""
    env = _env("SHOP_ENV", "development")
    # Secrets have stand-ins on a developer's laptop only: anywhere else, a known
    # SECRET_KEY lets anyone sign a session cookie as any user, admins included.
    laptop = env == "development"
    sandbox_url = _env("STRIPE_SANDBOX_URL", SANDBOX_URL)
    limits_uri = _env("RATELIMIT_STORAGE_URI", "memory://") or "memory://"
    secret_key = _env("STRIPE_SECRET_KEY")
    if secret_key is None:
        # No keys: the offline sandbox stands in for Stripe.
        secret_key, api_base, js_url = SANDBOX_SECRET_KEY, sandbox_url, f"{sandbox_url}/v3/"
    else:
        # https://api.stripe.com/ is Stripe too, not a sandbox.
        api_base = (_env("STRIPE_API_BASE") or STRIPE_API).rstrip("/")
        js_url = _env("STRIPE_JS_URL", STRIPE_JS)
    return {
        "SHOP_ENV": env,
        "SECRET_KEY": _env("SECRET_KEY", STAND_INS["SECRET_KEY"] if laptop else None),
        # Earlier keys, comma-separated: still accepted, never used to sign (key rotation).
        "SECRET_KEY_FALLBACKS": _env_list("SECRET_KEY_FALLBACKS"),
        "SQLALCHEMY_DATABASE_URI": _env(
            "DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'shop.sqlite3'}"
        ),
        # Pooled connections are checked before use after this long idle (shop/database.py).
        "DATABASE_PING_IDLE_SECONDS": _env_int("DATABASE_PING_IDLE_SECONDS", 10),
        "SHOP_NAME": _env("SHOP_NAME", "Corner Shop"),
        "SHOP_CURRENCY": (_env("SHOP_CURRENCY", "usd") or "usd").lower(),
        "SHOP_LOCALE": _env("SHOP_LOCALE", "en_US"),
        "SHOP_TIMEZONE": _env("SHOP_TIMEZONE", "UTC"),
        "PRODUCTS_PER_PAGE": _env_int("PRODUCTS_PER_PAGE", 12),
        "CATALOG_CACHE_SECONDS": _env_int("CATALOG_CACHE_SECONDS", 5),
        "RESERVATION_MINUTES": _env_int("RESERVATION_MINUTES", 30),
        "MAX_PER_PRODUCT": _env_int("MAX_PER_PRODUCT", 20),
        "STRIPE_SECRET_KEY": secret_key,
        "STRIPE_PUBLISHABLE_KEY": _env("STRIPE_PUBLISHABLE_KEY",
                                       STAND_INS["STRIPE_PUBLISHABLE_KEY"]),
        "STRIPE_WEBHOOK_SECRET": _env("STRIPE_WEBHOOK_SECRET",
                                      STAND_INS["STRIPE_WEBHOOK_SECRET"] if laptop else None),
        "STRIPE_API_BASE": api_base,
        "STRIPE_JS_URL": js_url,
        "STRIPE_SANDBOX": api_base != STRIPE_API,
        "STRIPE_TIMEOUT": _env_float("STRIPE_TIMEOUT", 10.0),
        "STRIPE_MAX_RETRIES": _env_int("STRIPE_MAX_RETRIES", 2),
        "RATELIMIT_STORAGE_URI": limits_uri,
        # Redis down must not stop sales: limits are then counted in each process (still
        # enforced, per server) until it answers again, and a stalled Redis is given up
        # on in half a second rather than redis-py's five.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": (
            {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
            if limits_uri.startswith(("redis://", "rediss://")) else {}
        ),
        "RATELIMIT_ENABLED": _env_flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": _env("LOGIN_RATE_LIMIT", "10/minute;50/hour"),
        # Failed sign-ins per account, from any number of clients.
        "ACCOUNT_LOGIN_RATE_LIMIT": _env("ACCOUNT_LOGIN_RATE_LIMIT", "20/hour"),
        "INTENT_RATE_LIMIT": _env("INTENT_RATE_LIMIT", "20/minute;100/hour"),
        # Each order placed holds its stock for RESERVATION_MINUTES.
        "CHECKOUT_RATE_LIMIT": _env("CHECKOUT_RATE_LIMIT", "10/minute;50/hour"),
        "PROXY_FIX": _env_int("PROXY_FIX", 0),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Cookies travel over HTTPS only, everywhere but a developer's laptop.
        "SESSION_COOKIE_SECURE": env != "development",
        "REMEMBER_COOKIE_SECURE": env != "development",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # How new passwords are hashed: Werkzeug's scrypt. Not read from the environment;
        # the tests, which make hundreds of accounts, pass a one-round method instead.
        "PASSWORD_HASH_METHOD": "scrypt",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }
