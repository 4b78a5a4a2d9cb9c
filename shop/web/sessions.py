"""The signed session cookie, and the CSRF token each page carries in it.

Both are Flask's and Flask-WTF's own, minus work they repeat on every request:

- Flask builds the cookie's signer (and test-serializes a value to inspect it)
  every time it opens or saves a session; it is built once per secret key here.
- Flask-WTF keeps a random token in the session and signs it afresh for every
  page. With no time limit on tokens (WTF_CSRF_TIME_LIMIT unset), every signature
  of the same token is equally valid, so the first one is kept in the session next
  to the token it signs and reused on later pages. A new token (a new session, say)
  gets a new signature. An unmodified session is never re-sent: a visitor's cookie
  changes only on the page that first signs their token.
"""

from flask import Flask, current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import URLSafeTimedSerializer

SIGNED_TOKEN_KEY = "csrf_signed"  # noqa: S105  (a session key, not a secret)


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
        return generate_csrf()
    kept = session.get(SIGNED_TOKEN_KEY)
    if isinstance(kept, list) and len(kept) == 2 and kept[0] == session.get(field):
        setattr(g, field, kept[1])  # where generate_csrf and forms look first
        return kept[1]
    token = generate_csrf()
    session[SIGNED_TOKEN_KEY] = [session[field], token]
    return token


def install_sessions(app: Flask) -> None:
    app.session_interface = CookieSessionInterface()
    # Flask-WTF offers its own as a global and through a context processor; later wins.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
