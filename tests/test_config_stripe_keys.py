"""Stripe settings that hold the wrong kind of key, and a live shop whose card form would
not be Stripe's: each is refused at start-up with a message naming the setting."""

import pytest

from shop import create_app
from shop.config import ConfigError

TEST_KEYS = {"SECRET_KEY": "a-real-secret", "STRIPE_SECRET_KEY": "sk_test_x",
             "STRIPE_PUBLISHABLE_KEY": "pk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}
LIVE_KEYS = {**TEST_KEYS, "SHOP_ENV": "production", "STRIPE_SECRET_KEY": "sk_live_x",
             "STRIPE_PUBLISHABLE_KEY": "pk_live_x"}
SANDBOX_JS = "http://127.0.0.1:12111/v3/"


def set_env(monkeypatch, values: dict) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def refusal(monkeypatch, values: dict) -> str:
    set_env(monkeypatch, values)
    with pytest.raises(ConfigError) as refused:
        create_app()
    return str(refused.value)


@pytest.mark.parametrize("secret_key", ["sk_live_x", "rk_live_x"])
@pytest.mark.parametrize("js_url", [SANDBOX_JS, "https://js.stripe.com.evil.test/v3/",
                                    "http://js.stripe.com/v3/", "https://js.stripe.com/v2/"])
def test_a_live_key_takes_cards_only_in_stripes_own_form(monkeypatch, secret_key, js_url):
    # Customers would type real card numbers into whatever this script draws.
    message = refusal(monkeypatch, {**LIVE_KEYS, "STRIPE_SECRET_KEY": secret_key,
                                    "STRIPE_JS_URL": js_url})
    assert message == (f"STRIPE_JS_URL must be Stripe's own https://js.stripe.com/v3/ with a"
                       f" live key, not {js_url!r}: unset it.")


def test_a_live_key_with_stripe_js_unset_or_spelled_out_starts(monkeypatch):
    set_env(monkeypatch, LIVE_KEYS)
    assert create_app().config["STRIPE_JS_URL"] == "https://js.stripe.com/v3/"
    monkeypatch.setenv("STRIPE_JS_URL", "https://js.stripe.com/v3/")
    assert create_app().config["STRIPE_JS_URL"] == "https://js.stripe.com/v3/"


def test_test_keys_may_load_the_sandboxs_stripe_js(monkeypatch):
    set_env(monkeypatch, {**TEST_KEYS, "STRIPE_API_BASE": "http://127.0.0.1:12111",
                          "STRIPE_JS_URL": SANDBOX_JS})
    assert create_app().config["STRIPE_JS_URL"] == SANDBOX_JS


def test_development_without_keys_still_uses_the_sandbox(monkeypatch):
    for name in ("SHOP_ENV", *TEST_KEYS):
        monkeypatch.delenv(name, raising=False)
    config = create_app().config
    assert config["STRIPE_SECRET_KEY"] == "sk_test_sandbox"
    assert config["STRIPE_JS_URL"] == "http://127.0.0.1:12111/v3/"


@pytest.mark.parametrize(("name", "value", "kind"), [
    # Printed on every pay page as data-publishable-key: a secret key handed to anyone.
    ("STRIPE_PUBLISHABLE_KEY", "sk_test_topsecret", "a publishable key (pk_...)"),
    ("STRIPE_PUBLISHABLE_KEY", "rk_test_topsecret", "a publishable key (pk_...)"),
    ("STRIPE_WEBHOOK_SECRET", "sk_live_topsecret", "a webhook signing secret (whsec_...)"),
    ("STRIPE_SECRET_KEY", "pk_test_oops", "a secret key (sk_...) or a restricted key (rk_...)"),
    ("STRIPE_SECRET_KEY", "whsec_oops", "a secret key (sk_...) or a restricted key (rk_...)"),
])
@pytest.mark.parametrize("env", ["development", "production"])
def test_a_stripe_setting_holding_another_kind_of_key_is_refused(monkeypatch, env, name, value,
                                                                 kind):
    message = refusal(monkeypatch, {**TEST_KEYS, "SHOP_ENV": env, name: value})
    assert message == f"{name} must be {kind}, not a value starting {value[:8]!r}."
    assert "topsecret" not in message  # the start says what it is; the rest stays secret


def test_a_restricted_key_is_a_secret_key(monkeypatch):
    set_env(monkeypatch, {**TEST_KEYS, "STRIPE_SECRET_KEY": "rk_test_x"})
    assert create_app().config["STRIPE_SECRET_KEY"] == "rk_test_x"
