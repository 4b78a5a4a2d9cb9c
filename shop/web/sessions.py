"""The signed session cookie, and the CSRF token each page carries.

Both are Flask's and Flask-WTF's own, minus work they repeat on every request:

- Flask builds the cookie's signer (and test-serializes a value to inspect it)
  every time it opens or saves a session; it is built once per secret key here.
- Flask-WTF keeps a random token in the session and signs it afresh for every
  page. With no time limit on tokens (WTF_CSRF_TIME_LIMIT unset), every signature
  of the same token under the same key is equally valid, so each process
  remembers the signature it made for a token and reuses it on that visitor's
  later pages. A new token or a new key gets a new signature; nothing is added
  to the session.
"""

from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect, generate_csrf
from itsdangerous import URLSafeTimedSerializer

# Signatures remembered per process; one entry per visitor seen, so the map is capped.
REMEMBERED_SIGNATURES = 2048


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signer built once per set of keys."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self._serializers:
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]


def csrf_token() -> str:
    """This visitor's signed CSRF token, as Flask-WTF's `generate_csrf` gives it."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g:
        return g.get(field)
    if config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return generate_csrf()  # a signature carries its time, so it cannot be reused
    signatures = current_app.extensions.setdefault("csrf_signatures", {})
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    signed = signatures.get((secret, session.get(field)))
    if signed is not None:
        setattr(g, field, signed)  # where generate_csrf and forms look first
        return signed
    signed = generate_csrf()
    if len(signatures) >= REMEMBERED_SIGNATURES:
        signatures.clear()
    signatures[secret, session[field]] = signed
    return signed


def check_csrf_methods_first(app: Flask, csrf: CSRFProtect) -> None:
    """After `csrf.init_app(app)`: Flask-WTF's check, asked only of the methods it checks.

    Flask-WTF's own hook works out whether the view is exempt before it looks at the
    method, so every page view paid for that lookup. Here the method comes first, and
    the same `protect` runs, exemptions included; Flask-WTF's hook is told to stand
    down through its own setting. Left alone when settings already turned it off.
    """
    if not app.config.get("WTF_CSRF_CHECK_DEFAULT", True):
        return
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    def csrf_protect() -> None:
        config = current_app.config
        if request.method in config["WTF_CSRF_METHODS"] and config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)

    app.before_request_funcs.setdefault(None, []).insert(0, csrf_protect)  # first, as before


def install_sessions(app: Flask) -> None:
    app.session_interface = CookieSessionInterface()
    # Flask-WTF offers its own as a global and through a context processor; later wins.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
