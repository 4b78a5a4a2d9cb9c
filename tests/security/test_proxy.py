"""X-Forwarded-For/Proto/Host count only behind a configured proxy (PROXY_FIX hops)."""

import re

import pytest

from tests.payments_support import Shopper


@pytest.fixture(params=[0, 1], ids=["direct", "behind-one-proxy"])
def app_config(request, stripe_config):
    return {**stripe_config, "PROXY_FIX": request.param, "RATELIMIT_ENABLED": True,
            "LOGIN_RATE_LIMIT": "3/minute"}


def log_in_from(client, address: str):
    return client.post(
        "/auth/login",
        data={"email": "nobody@example.com", "password": "wrong-password"},
        headers={"X-Forwarded-For": address},
    )


def test_rate_limit_key_is_the_forwarded_client_only_behind_a_proxy(app, client):
    statuses = [log_in_from(client, f"203.0.113.{n}").status_code for n in range(1, 6)]
    if app.config["PROXY_FIX"]:
        assert 429 not in statuses  # five different customers behind the proxy
        same = [log_in_from(client, "198.51.100.7").status_code for _ in range(4)]
        assert same[-1] == 429
    else:
        assert statuses[-1] == 429  # a forged header does not buy fresh attempts


def test_external_urls_use_forwarded_host_and_scheme_only_behind_a_proxy(
    app, client, browser_stripe, make_product
):
    order = Shopper(client, browser_stripe).checkout((make_product(), 1))
    page = client.get(
        f"/orders/{order.number}/pay",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example.com"},
    ).get_data(as_text=True)
    return_url = re.search(r'data-return-url="([^"]+)"', page).group(1)
    if app.config["PROXY_FIX"]:
        assert return_url.startswith("https://shop.example.com/orders/")
    else:
        assert return_url.startswith("http://localhost/orders/")


def test_addresses_a_client_writes_before_the_proxys_own_buy_no_fresh_attempts(app, client):
    # The proxy appends the address it saw; whatever the client sent comes before it.
    statuses = [log_in_from(client, f"203.0.113.{n}, 198.51.100.7").status_code
                for n in range(1, 6)]
    assert statuses[-1] == 429


def test_a_forwarded_prefix_moves_no_link_the_shop_hands_out(
    app, client, browser_stripe, make_product
):
    order = Shopper(client, browser_stripe).checkout((make_product(), 1))
    page = client.get(
        f"/orders/{order.number}/pay", headers={"X-Forwarded-Prefix": "/elsewhere"}
    ).get_data(as_text=True)
    return_url = re.search(r'data-return-url="([^"]+)"', page).group(1)
    assert "/elsewhere" not in return_url and "/orders/" in return_url
