"""Settings the shop refuses to start with, each with a message that says what to change."""

import re

import pytest

from shop import create_app
from shop.config import ConfigError, check_config, load_config
from shop.database import READS
from shop.extensions import db
from tests.db_support import dispose_all

OFF_LAPTOP = {"SECRET_KEY": "a-real-secret", "STRIPE_SECRET_KEY": "sk_test_x",
              "STRIPE_PUBLISHABLE_KEY": "pk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}


def set_env(monkeypatch, values: dict) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused(url):
    # Pages that only read use a second pool, which would see a second, empty database.
    with pytest.raises(ConfigError, match="give DATABASE_URL a file"):
        create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})


def test_a_database_file_is_shared_by_both_pools(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.db'}",
                      "SECRET_KEY": "x"})
    with app.app_context():
        assert db.engines[READS].url == db.engine.url
        dispose_all(db.engines)


@pytest.mark.parametrize("env", ["production", "staging"])
@pytest.mark.parametrize("secret", ["SECRET_KEY", "STRIPE_WEBHOOK_SECRET"])
def test_a_shop_off_a_laptop_refuses_to_start_without_its_secrets(monkeypatch, env, secret):
    # The laptop's stand-ins are public: a known SECRET_KEY signs anyone in as an admin.
    set_env(monkeypatch, {**OFF_LAPTOP, "SHOP_ENV": env})
    monkeypatch.delenv(secret)
    with pytest.raises(ConfigError, match=f"{secret} must be set unless SHOP_ENV is development"):
        create_app()


@pytest.mark.parametrize("value", ["enabled", "2", "of"])
def test_a_rate_limit_switch_is_never_read_as_off_by_mistake(monkeypatch, value):
    monkeypatch.setenv("RATELIMIT_ENABLED", value)  # read as "off" before
    with pytest.raises(ConfigError, match="RATELIMIT_ENABLED must be 1 or 0"):
        create_app()


@pytest.mark.parametrize(("value", "enabled"), [("true", True), ("yes", True), ("0", False),
                                                ("off", False)])
def test_a_rate_limit_switch_reads_the_usual_words(monkeypatch, value, enabled):
    monkeypatch.setenv("RATELIMIT_ENABLED", value)
    assert load_config()["RATELIMIT_ENABLED"] is enabled


def test_earlier_secret_keys_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", "older-key, old-key")
    assert load_config()["SECRET_KEY_FALLBACKS"] == ["older-key", "old-key"]


# Typos and test codes, and currencies in use that Stripe takes no card payments in.
@pytest.mark.parametrize("currency", ["xyz", "dollars", "xxx", "xts", "xau", "dem", "kpw", "irr",
                                      "ghs"])
def test_a_shop_currency_no_card_can_pay_in_is_refused(monkeypatch, currency):
    monkeypatch.setenv("SHOP_CURRENCY", currency)
    with pytest.raises(ConfigError, match="is not a currency Stripe takes card payments in"):
        create_app()


def test_a_stalled_redis_is_given_up_on_quickly(monkeypatch):
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    config = load_config()
    assert config["RATELIMIT_STORAGE_OPTIONS"]["socket_timeout"] <= 0.5
    assert config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True


@pytest.mark.parametrize("currency", ["usd", "isk", "JPY", "kwd", "try", "cny", "ang", "std"])
def test_currencies_stripe_takes_cards_in_are_accepted(monkeypatch, currency):
    monkeypatch.setenv("SHOP_CURRENCY", currency)  # ANG and STD were replaced only lately
    assert load_config()["SHOP_CURRENCY"] == currency.lower()
    check_config({**load_config(), "SECRET_KEY": "x", "STRIPE_WEBHOOK_SECRET": "whsec_x"})


@pytest.mark.parametrize("limit", ["0", "-5"])
def test_an_order_limit_below_one_stops_start_up(monkeypatch, limit):
    monkeypatch.setenv("MAX_PER_PRODUCT", limit)  # nothing could ever be bought
    with pytest.raises(ConfigError, match="MAX_PER_PRODUCT must be 1 or more"):
        create_app()


@pytest.mark.parametrize("env", ["Production", "prod", "testing", "live"])
def test_a_shop_env_the_shop_does_not_know_is_refused(monkeypatch, env):
    # Read as neither development nor production, a typo skipped production's checks.
    set_env(monkeypatch, {**OFF_LAPTOP, "SHOP_ENV": env})
    with pytest.raises(ConfigError, match="SHOP_ENV must be development, staging or production"):
        create_app()


@pytest.mark.parametrize("env", ["development", "staging", "production"])
def test_each_shop_env_starts_with_its_keys(monkeypatch, env):
    set_env(monkeypatch, {**OFF_LAPTOP, "SHOP_ENV": env})
    assert create_app().config["SHOP_ENV"] == env


@pytest.mark.parametrize("missing", ["STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"])
def test_a_real_stripe_key_needs_its_companions_even_on_a_laptop(monkeypatch, missing):
    # The sandbox's stand-ins would break Stripe.js and every webhook, at run time.
    set_env(monkeypatch, {key: value for key, value in OFF_LAPTOP.items() if key != missing})
    with pytest.raises(ConfigError, match=f"STRIPE_SECRET_KEY is set, so {missing} must be set"):
        create_app()


@pytest.mark.parametrize("env", ["staging", "production"])
@pytest.mark.parametrize(("key", "stand_in"), [("SECRET_KEY", "dev-only-not-secret"),
                                               ("STRIPE_PUBLISHABLE_KEY", "pk_test_sandbox"),
                                               ("STRIPE_WEBHOOK_SECRET", "whsec_sandbox")])
def test_a_shop_off_a_laptop_refuses_the_public_stand_ins(monkeypatch, env, key, stand_in):
    set_env(monkeypatch, {**OFF_LAPTOP, "SHOP_ENV": env, key: stand_in})
    with pytest.raises(ConfigError, match=f"{key} must not be the public stand-in"):
        create_app()


@pytest.mark.parametrize("env", ["staging", "production"])
def test_a_shop_off_a_laptop_refuses_the_public_key_among_earlier_keys(monkeypatch, env):
    # Moving off the laptop's key by keeping it as an earlier one would still let anyone
    # sign a session cookie, an admin's included.
    set_env(monkeypatch, {**OFF_LAPTOP, "SHOP_ENV": env,
                          "SECRET_KEY_FALLBACKS": "an-old-secret,dev-only-not-secret"})
    with pytest.raises(ConfigError, match="SECRET_KEY_FALLBACKS must not hold the public"):
        create_app()


@pytest.mark.parametrize(("secret_key", "publishable_key"), [("sk_live_x", "pk_test_x"),
                                                             ("sk_test_x", "pk_live_x")])
def test_stripe_keys_from_different_modes_are_refused(monkeypatch, secret_key, publishable_key):
    set_env(monkeypatch, {**OFF_LAPTOP, "SHOP_ENV": "production", "STRIPE_SECRET_KEY": secret_key,
                          "STRIPE_PUBLISHABLE_KEY": publishable_key})
    with pytest.raises(ConfigError, match=r"must be both live keys .* or both test keys"):
        create_app()


@pytest.mark.parametrize("env", ["development", "production"])
@pytest.mark.parametrize("secret_key", ["sk_live_x", "rk_live_x"])
def test_a_live_key_pointed_at_the_sandbox_is_refused(monkeypatch, env, secret_key):
    # The sandbox would take the live key's "payments" and no money would ever move.
    set_env(monkeypatch, {**OFF_LAPTOP, "SHOP_ENV": env, "STRIPE_SECRET_KEY": secret_key,
                          "STRIPE_PUBLISHABLE_KEY": "pk_live_x",
                          "STRIPE_API_BASE": "http://127.0.0.1:12111"})
    with pytest.raises(ConfigError, match="A live Stripe key must not be pointed at the Stripe"
                                          " sandbox"):
        create_app()


def test_stripe_with_a_trailing_slash_is_still_stripe(monkeypatch):
    set_env(monkeypatch, {**OFF_LAPTOP, "SHOP_ENV": "production", "STRIPE_SECRET_KEY": "sk_live_x",
                          "STRIPE_PUBLISHABLE_KEY": "pk_live_x",
                          "STRIPE_API_BASE": "https://api.stripe.com/"})
    config = create_app().config  # was refused as "pointed at the Stripe sandbox"
    assert config["STRIPE_API_BASE"] == "https://api.stripe.com"
    assert config["STRIPE_SANDBOX"] is False  # no sandbox banner


@pytest.mark.parametrize("name", ["LOGIN_RATE_LIMIT", "ACCOUNT_LOGIN_RATE_LIMIT",
                                  "INTENT_RATE_LIMIT", "CHECKOUT_RATE_LIMIT"])
@pytest.mark.parametrize("value", ["lots", "10 per fortnight", "10/minute;"])
def test_a_rate_limit_that_does_not_parse_stops_start_up(monkeypatch, name, value):
    monkeypatch.setenv(name, value)  # Flask-Limiter skipped it: no limit at all
    with pytest.raises(ConfigError, match=f"{name} must be limits such as 10/minute;50/hour"):
        create_app()


@pytest.mark.parametrize(("locale", "hint"), [("xx_YY", ""), ("de_XX", ""),
                                              ("de-DE", "; write 'de_DE'")])
def test_a_locale_babel_does_not_know_is_refused(monkeypatch, locale, hint):
    monkeypatch.setenv("SHOP_LOCALE", locale)  # the catalog answered 500 on every page
    with pytest.raises(ConfigError) as refused:
        create_app()
    assert str(refused.value) == ("SHOP_LOCALE must be a locale such as en_US or de_DE,"
                                  f" not {locale!r}{hint}.")


@pytest.mark.parametrize("locale", ["de_DE", "de", "ja_JP"])
def test_locales_babel_knows_are_accepted(monkeypatch, locale):
    monkeypatch.setenv("SHOP_LOCALE", locale)
    assert create_app().config["SHOP_LOCALE"] == locale


@pytest.mark.parametrize(("name", "value", "allowed"), [
    ("PRODUCTS_PER_PAGE", "0", "must be 1 or more"),  # ZeroDivisionError on the catalog
    ("RESERVATION_MINUTES", "0", "must be 1 or more"),
    ("CATALOG_CACHE_SECONDS", "-1", "must be 0 or more"),
    ("DATABASE_PING_IDLE_SECONDS", "-1", "must be 0 or more"),
    ("STRIPE_MAX_RETRIES", "-3", "must be 0 or more"),
    ("PROXY_FIX", "-1", "must be 0 or more"),
    ("STRIPE_TIMEOUT", "-1", "must be more than 0"),
    ("STRIPE_TIMEOUT", "0", "must be more than 0"),
])
def test_a_number_out_of_range_stops_start_up(monkeypatch, name, value, allowed):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"{name} {allowed}"):
        create_app()


@pytest.mark.parametrize("name", ["CATALOG_CACHE_SECONDS", "DATABASE_PING_IDLE_SECONDS",
                                  "STRIPE_MAX_RETRIES", "PROXY_FIX"])
def test_zero_is_a_meaningful_setting_for_some_numbers(monkeypatch, name):
    monkeypatch.setenv(name, "0")  # no cache, ping every time, no retries, no proxy
    assert create_app().config[name] == 0


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("PROXY_FIX", "yes", "PROXY_FIX must be a whole number, not 'yes'"),
    ("PRODUCTS_PER_PAGE", "1.5", "PRODUCTS_PER_PAGE must be a whole number, not '1.5'"),
    ("STRIPE_TIMEOUT", "ten", "STRIPE_TIMEOUT must be a number, not 'ten'"),
    ("STRIPE_TIMEOUT", "nan", "STRIPE_TIMEOUT must be a number, not 'nan'"),
    ("STRIPE_TIMEOUT", "inf", "STRIPE_TIMEOUT must be a number, not 'inf'"),
])
def test_a_number_that_is_not_one_names_its_setting(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)  # a bare ValueError before, naming nothing
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_config()


@pytest.mark.parametrize("url", ["postgres://shop@127.0.0.1/shop",
                                 "postgresql://shop@127.0.0.1/shop",
                                 "postgresql+psycopg2://shop@127.0.0.1/shop"])
def test_a_postgresql_url_without_the_installed_driver_is_refused(monkeypatch, url):
    # "Can't load plugin: sqlalchemy.dialects:postgres", "No module named 'psycopg2'".
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError, match=r"DATABASE_URL must start with postgresql\+psycopg://"):
        create_app()


def test_a_postgresql_url_with_psycopg_is_accepted(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://shop:pw@127.0.0.1/shop")
    check_config(load_config())  # connects to nothing


@pytest.mark.parametrize("zone", ["Mars/Olympus", "CET+1", "Europe", "../etc/passwd",
                                  "zone1970.tab"])
def test_a_time_zone_that_does_not_exist_is_refused(monkeypatch, zone):
    monkeypatch.setenv("SHOP_TIMEZONE", zone)  # every page showing a time answered 500
    with pytest.raises(ConfigError) as refused:
        create_app()
    assert str(refused.value) == ("SHOP_TIMEZONE must be a time zone such as UTC, Europe/Berlin"
                                  f" or America/New_York, not {zone!r}.")


def test_the_time_zone_is_utc_unless_set(monkeypatch):
    assert create_app().config["SHOP_TIMEZONE"] == "UTC"
    monkeypatch.setenv("SHOP_TIMEZONE", "Asia/Kolkata")
    assert create_app().config["SHOP_TIMEZONE"] == "Asia/Kolkata"
