"""The details of the security headers that the broad checks in test_headers.py let pass,
and NUL characters or lone surrogates that reach the shop by less common routes."""

import pytest

from shop.web.requests import NOT_TEXT, NUL_REFUSED
from shop.web.security import csp_for
from tests.security.test_headers import REAL_STRIPE, _deployed, parse_csp


@pytest.fixture
def app_config():
    return {}


@pytest.fixture
def production_app(_schema, database_url, monkeypatch):
    """The app as SHOP_ENV production, with its own secrets and Stripe keys."""
    yield from _deployed("production", database_url, monkeypatch)


def test_pages_keep_other_sites_windows_out_of_reach(client):
    # A window opened from another site must get no handle on the shop's pages.
    for path in ("/", "/cart/", "/auth/login", "/no-such-page"):
        assert client.get(path).headers.get("Cross-Origin-Opener-Policy") == "same-origin", path


def test_anything_not_named_comes_only_from_the_shop_itself(client):
    # Fonts, media, workers, manifests: whatever the policy does not list falls back here.
    page = parse_csp(client.get("/").headers["Content-Security-Policy"])
    assert page["default-src"] == {"'self'"}
    real = parse_csp(csp_for(REAL_STRIPE).replace("{nonce}", "n"))
    assert real["default-src"] == {"'self'"}


def test_hsts_covers_the_shops_subdomains_too(production_app):
    response = production_app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"


def test_static_files_keep_their_own_caching(client):
    # Only the views' answers carry personal data; the stylesheet may be cached.
    response = client.get("/static/css/shop.css")
    assert response.status_code == 200
    values = response.headers.getlist("Cache-Control")
    assert len(values) == 1 and "no-store" not in values[0]


def test_a_nul_character_in_a_multipart_form_is_refused(client, make_product):
    mug = make_product()
    response = client.post("/cart/add", data={"product_id": f"{mug.id}\x00", "quantity": "1"},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert NUL_REFUSED in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert not session.get("cart")


@pytest.mark.parametrize("escaped", [b"\\uDC00", b"\\udfff"])
def test_json_with_only_the_second_half_of_a_surrogate_pair_is_refused(client, escaped):
    response = client.post("/cart/add", data=b'{"product_id": "1' + escaped + b'"}',
                           content_type="application/json")
    assert (response.status_code, response.get_json()) == (400, {"error": NOT_TEXT})
