import secrets
from urllib.parse import urlsplit

from flask import Flask, g


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def csp_for(config) -> str:
    """The Content-Security-Policy: our own origin plus the configured Stripe origins."""
    js = _origin(config["STRIPE_JS_URL"])
    api = _origin(config["STRIPE_API_BASE"])
    stripe_origins = sorted({js, api})
    if js == "https://js.stripe.com":
        stripe_origins.append("https://hooks.stripe.com")
    nonce = "'nonce-{nonce}'"
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", js, nonce],
        "style-src": ["'self'", nonce],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", *stripe_origins],
        "frame-src": stripe_origins,
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def install_security_headers(app: Flask) -> None:
    policy = csp_for(app.config)
    production = app.config["SHOP_ENV"] == "production"

    @app.before_request
    def make_nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.context_processor
    def inject_nonce() -> dict:
        return {"csp_nonce": g.get("csp_nonce", "")}

    @app.after_request
    def add_headers(response):
        nonce = g.get("csp_nonce") or secrets.token_urlsafe(16)
        response.headers.setdefault("Content-Security-Policy", policy.format(nonce=nonce))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=63072000; includeSubDomains"
            )
        return response
