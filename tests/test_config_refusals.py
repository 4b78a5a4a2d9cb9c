"""Settings an operator writes in the usual ways: the shop reads them as meant, and refuses
at start-up what would otherwise fail later or quietly turn a protection off."""

import pytest

from shop import create_app
from shop.config import ConfigError, load_config
from tests.test_config import OFF_LAPTOP, set_env

ENV_NAMES = ("SHOP_ENV", *OFF_LAPTOP, "STRIPE_API_BASE", "STRIPE_JS_URL", "RATELIMIT_ENABLED",
             "STRIPE_TIMEOUT", "SECRET_KEY_FALLBACKS", "RATELIMIT_STORAGE_URI")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def test_production_without_a_stripe_secret_key_refuses_to_start(monkeypatch):
    # Unset, the key falls back to the offline sandbox: a live shop that takes no money.
    set_env(monkeypatch, {**OFF_LAPTOP, "SHOP_ENV": "production"})
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    with pytest.raises(ConfigError, match="STRIPE_SECRET_KEY must be set in production"):
        create_app()


def test_an_sqlite_url_without_a_file_is_refused(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///")  # an in-memory database as well
    with pytest.raises(ConfigError, match="give DATABASE_URL a file"):
        create_app()


def test_a_stripe_key_set_to_nothing_counts_as_unset(monkeypatch):
    # `STRIPE_SECRET_KEY=` in a compose file or .env: the laptop's sandbox, not real
    # Stripe with an empty key.
    set_env(monkeypatch, {"STRIPE_SECRET_KEY": "", "STRIPE_PUBLISHABLE_KEY": "",
                          "STRIPE_WEBHOOK_SECRET": ""})
    config = create_app().config
    assert config["STRIPE_SECRET_KEY"] == "sk_test_sandbox"
    assert config["STRIPE_PUBLISHABLE_KEY"] == "pk_test_sandbox"
    assert config["STRIPE_SANDBOX"] is True


@pytest.mark.parametrize(("value", "enabled"), [("True", True), ("YES", True), ("Off", False),
                                                (" 1 ", True)])
def test_a_switch_reads_the_usual_words_in_any_case(monkeypatch, value, enabled):
    monkeypatch.setenv("RATELIMIT_ENABLED", value)
    assert load_config()["RATELIMIT_ENABLED"] is enabled


def test_rate_limits_are_on_unless_switched_off():
    # The defence against card testing must not depend on remembering a setting.
    assert load_config()["RATELIMIT_ENABLED"] is True
    assert create_app().config["RATELIMIT_ENABLED"] is True


def test_a_stalled_redis_over_tls_is_given_up_on_quickly_too(monkeypatch):
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "rediss://127.0.0.1:6380/0")
    options = load_config()["RATELIMIT_STORAGE_OPTIONS"]
    assert options["socket_timeout"] <= 0.5 and options["socket_connect_timeout"] <= 0.5


@pytest.mark.parametrize("value", ["old-key,", ",old-key", "old-key,,older-key", " , old-key"])
def test_a_stray_comma_in_earlier_secret_keys_adds_no_empty_key(monkeypatch, value):
    # An empty fallback key would accept session cookies anyone can sign.
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", value)
    fallbacks = load_config()["SECRET_KEY_FALLBACKS"]
    assert fallbacks and "" not in fallbacks
    assert all(key.strip() == key and key for key in fallbacks)


def test_a_stalled_stripe_is_given_up_on_within_seconds_unless_told_otherwise():
    # A customer waits for each try; ten seconds is already long.
    assert 0 < load_config()["STRIPE_TIMEOUT"] <= 10
