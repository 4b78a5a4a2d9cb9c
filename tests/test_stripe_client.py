"""How the shop's Stripe client reaches Stripe: through the proxy the environment names."""

from shop.services.stripe_client import _session

API = "https://api.stripe.com"


def test_a_proxy_set_in_the_environment_carries_the_calls(monkeypatch):
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://egress.internal:3128")
    session = _session(API)
    assert session.proxies["https"] == "http://egress.internal:3128"
    assert session.trust_env is False  # looked up once, not on every call


def test_no_proxy_for_the_api_host_means_a_direct_connection(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://egress.internal:3128")
    monkeypatch.setenv("NO_PROXY", "api.stripe.com")
    assert "https" not in _session(API).proxies
