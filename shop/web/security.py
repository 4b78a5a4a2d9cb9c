"""Security headers on every response, with a Content-Security-Policy built from config.

The policy names exactly the configured Stripe.js and Stripe API origins (real
Stripe adds hooks.stripe.com, where 3-D Secure frames live) and runs nothing
inline except what carries this request's nonce.

Nothing the views answer may be stored by a browser or a proxy: every page
carries its visitor's CSRF token, and many an order, an email address, saved
cards or a PaymentIntent's client secret. Static files set their own caching.
"""

import secrets
from urllib.parse import urlsplit

from flask import Flask, g

from shop.web.requests import refuse_nul_bytes

REAL_STRIPE_JS = "https://js.stripe.com"
REAL_STRIPE_HOOKS = "https://hooks.stripe.com"
NONCE = "{nonce}"


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, the unit a CSP source names."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _unique(*sources: str) -> list[str]:
    return list(dict.fromkeys(sources))


def csp_for(config) -> str:
    """The policy with a `{nonce}` placeholder, filled in per response."""
    js = origin(config["STRIPE_JS_URL"])
    api = origin(config["STRIPE_API_BASE"])
    frames = _unique(js, REAL_STRIPE_HOOKS) if js == REAL_STRIPE_JS else [js]
    nonce = f"'nonce-{NONCE}'"
    directives = {
        "default-src": ["'self'"],
        "script-src": _unique("'self'", js, nonce),
        "style-src": ["'self'", nonce],
        "img-src": ["'self'", "data:"],
        "connect-src": _unique("'self'", api),
        "frame-src": frames,
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _nonce() -> str:
    """This response's nonce, made when first asked for."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(16)
    return nonce


def install_security_headers(app: Flask) -> None:
    policy = csp_for(app.config)
    fixed = [
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    # HSTS only makes sense where the shop is served over HTTPS: everywhere but a laptop.
    if app.config["SHOP_ENV"] != "development":
        fixed.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))

    app.before_request(refuse_nul_bytes)

    @app.context_processor
    def inject_nonce() -> dict:
        return {"csp_nonce": _nonce()}

    @app.after_request
    def add_headers(response):
        headers = response.headers
        present = {name.lower() for name, _ in headers}  # a view's own header wins
        if "content-security-policy" not in present:
            headers.add("Content-Security-Policy", policy.replace(NONCE, _nonce()))
        for name, value in fixed:
            if name.lower() not in present:
                headers.add(name, value)
        return response
