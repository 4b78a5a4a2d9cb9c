"""Security headers on every response, and a CSP that allows exactly the configured Stripe."""

import re

import pytest
from flask import abort

from shop.web.security import csp_for
from tests.conftest import make_test_app
from tests.security.world import PAGES_FOR, visit_get_routes

SANDBOX_LIKE = {"STRIPE_API_BASE": "http://127.0.0.1:12111",
                "STRIPE_JS_URL": "http://127.0.0.1:12111/v3/"}
REAL_STRIPE = {"STRIPE_API_BASE": "https://api.stripe.com",
               "STRIPE_JS_URL": "https://js.stripe.com/v3/"}
KEYWORDS = {"'self'", "'none'", "data:"}
INLINE_HANDLER = re.compile(r"<[^>]+\s(on[a-z]+|style)\s*=", re.IGNORECASE)
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)


def parse_csp(header: str) -> dict[str, set[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


def nonce_of(csp: dict[str, set[str]]) -> str:
    (nonce,) = [s for s in csp["script-src"] if s.startswith("'nonce-")]
    return nonce[len("'nonce-"):-1]


def expected_headers(response, hsts: bool = False, static: bool = False) -> None:
    headers = response.headers
    # Pages, JSON and errors are never stored; static files keep their own caching.
    assert (headers.get("Cache-Control") == "no-store") is not static
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = parse_csp(headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == {"'none'"}
    assert csp["object-src"] == {"'none'"} and csp["base-uri"] == {"'none'"}
    everything = set().union(*csp.values())
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"} & everything
    assert ("Strict-Transport-Security" in headers) is hsts


def inline_code_carries_the_nonce(html: str, nonce: str) -> None:
    """Nothing inline runs unless it carries this response's nonce."""
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html).group(0)
    for tag, attributes in SCRIPT_OR_STYLE.findall(html):
        if tag.lower() == "script" and "src=" in attributes:
            continue
        assert f'nonce="{nonce}"' in attributes, f"inline <{tag}> without the nonce"


@pytest.mark.parametrize("role", ["anonymous", "owner", "admin"])
def test_every_get_route_sends_the_headers(app, world, role):
    opened = set()
    for rule, url, response in visit_get_routes(app, world, role):
        assert response.status_code < 500, url
        expected_headers(response, static=rule.endpoint == "static")
        csp = parse_csp(response.headers["Content-Security-Policy"])
        if response.mimetype == "text/html":
            inline_code_carries_the_nonce(response.get_data(as_text=True), nonce_of(csp))
        if response.status_code == 200:
            opened.add(rule.endpoint)
    assert opened >= PAGES_FOR[role]  # the pages themselves were checked, not only refusals


def test_errors_and_posts_get_the_headers_too(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        abort(500)

    expected_headers(client.get("/no-such-page"))
    expected_headers(client.get("/boom"))
    expected_headers(client.post("/webhooks/stripe", data=b"{}"))
    expected_headers(client.delete("/cart/"))  # 405


def test_each_response_gets_a_fresh_nonce(client):
    first = nonce_of(parse_csp(client.get("/").headers["Content-Security-Policy"]))
    second = nonce_of(parse_csp(client.get("/").headers["Content-Security-Policy"]))
    assert first != second and len(first) >= 16


def test_csp_for_the_sandbox_names_only_the_sandbox(sandbox, client):
    csp = parse_csp(client.get("/").headers["Content-Security-Policy"])
    nonce = f"'nonce-{nonce_of(csp)}'"
    assert csp["script-src"] == {"'self'", sandbox.url, nonce}
    assert csp["connect-src"] == {"'self'", sandbox.url}
    assert csp["frame-src"] == {sandbox.url}
    assert csp["style-src"] == {"'self'", nonce}
    assert csp["form-action"] == {"'self'"}
    origins = set().union(*csp.values()) - KEYWORDS - {nonce}
    assert origins == {sandbox.url}


def test_csp_for_real_stripe_names_js_api_and_hooks():
    csp = parse_csp(csp_for(REAL_STRIPE).replace("{nonce}", "n"))
    assert csp["script-src"] == {"'self'", "https://js.stripe.com", "'nonce-n'"}
    assert csp["connect-src"] == {"'self'", "https://api.stripe.com"}
    assert csp["frame-src"] == {"https://js.stripe.com", "https://hooks.stripe.com"}
    origins = set().union(*csp.values()) - KEYWORDS - {"'nonce-n'"}
    assert origins == {"https://js.stripe.com", "https://api.stripe.com",
                       "https://hooks.stripe.com"}


def test_csp_follows_a_sandbox_on_another_port():
    csp = parse_csp(csp_for(SANDBOX_LIKE).replace("{nonce}", "n"))
    assert set().union(*csp.values()) - KEYWORDS - {"'nonce-n'"} == {"http://127.0.0.1:12111"}


def _deployed(shop_env: str, database_url: str, monkeypatch):
    """The app as SHOP_ENV `shop_env` with its own secrets and Stripe keys set."""
    for name, value in {"STRIPE_SECRET_KEY": f"sk_test_{shop_env}", "STRIPE_PUBLISHABLE_KEY":
                        f"pk_test_{shop_env}", "STRIPE_WEBHOOK_SECRET": f"whsec_{shop_env}",
                        "SHOP_ENV": shop_env, "SECRET_KEY": f"a-{shop_env}-secret"}.items():
        monkeypatch.setenv(name, value)
    app = make_test_app(database_url, **REAL_STRIPE)
    with app.app_context():
        yield app


@pytest.fixture
def production_app(_schema, database_url, monkeypatch):
    yield from _deployed("production", database_url, monkeypatch)


def test_production_sends_hsts_and_secure_cookies(production_app):
    client = production_app.test_client()
    response = client.get("/auth/login")
    expected_headers(response, hsts=True)
    assert "max-age=63072000" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    csp = parse_csp(response.headers["Content-Security-Policy"])
    assert csp["frame-src"] == {"https://js.stripe.com", "https://hooks.stripe.com"}


def test_development_cookies_are_http_only_but_not_secure(client):
    cookie = client.get("/auth/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        ("get", "/orders/%00", {}),
        ("get", "/products/a%00b", {}),
        ("get", "/?page=1%00", {}),
        ("get", "/?page%00=1", {}),
        ("post", "/cart/add", {"data": {"product_id": "1\x00", "quantity": "1"}}),
        ("post", "/orders/X/confirm", {"json": {"payment_intent": "pi_\x00"}}),
    ],
)
def test_nul_characters_are_refused_before_any_view_runs(client, method, url, kwargs):
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == 400
    assert b"NUL characters" in response.data


def test_the_known_browser_cookie_is_secure_http_only_and_kept_to_the_sign_in_pages(
    app, production_app,  # `app` empties the tables afterwards
):
    from shop.extensions import db
    from shop.services import accounts

    accounts.register("boss@example.com", "right-password")
    db.session.commit()
    client = production_app.test_client()
    response = client.post("/auth/login", data={"email": "boss@example.com",
                                                 "password": "right-password"})
    assert response.status_code == 302
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie")
                 if c.startswith("known_device=")]
    flags = {part.strip() for part in cookie.split(";")[1:]}
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/auth"} <= flags


@pytest.fixture
def staging_app(_schema, database_url, monkeypatch):
    yield from _deployed("staging", database_url, monkeypatch)


def test_staging_is_served_over_https_and_says_so_as_production_does(staging_app):
    response = staging_app.test_client().get("/auth/login")
    expected_headers(response, hsts=True)
    assert "Secure" in response.headers["Set-Cookie"]
