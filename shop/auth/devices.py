"""Browsers an account has signed in from: their failed sign-ins are counted apart.

Counting failed sign-ins per account stops one password being guessed from many
addresses, but on its own it lets anyone lock the owner out, an admin in the middle
of an incident included, by failing twenty times. A browser that has signed in to
the account carries a signed cookie saying so, and its failures for that account
are counted in a bucket of its own: strangers cannot fill it, and a copied cookie
shares it with every copy, so it buys a guesser nothing.

The cookie holds a random id for the browser and, per account, an HMAC of the email
and the password hash under SECRET_KEY: it names no account to whoever reads it,
and a password change makes the browser a stranger again.
"""

import hashlib
import hmac
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from shop.models import User

COOKIE = "known_device"
ACCOUNTS_PER_BROWSER = 5
LIFETIME_SECONDS = 365 * 24 * 3600


def _serializer() -> URLSafeSerializer:
    config = current_app.config
    keys = [*(config["SECRET_KEY_FALLBACKS"] or ()), config["SECRET_KEY"]]
    return URLSafeSerializer(keys, salt="known-device")


def _mark(user: User) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    text = f"{user.email}\n{user.password_hash}".encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()[:24]


def _cookie() -> dict:
    try:
        value = _serializer().loads(request.cookies.get(COOKIE, ""))
    except BadSignature:
        return {}
    return value if isinstance(value, dict) else {}


def device_of(user: User | None) -> str | None:
    """This browser's id if it has signed in to `user`'s account (with its current
    password) before; None otherwise."""
    cookie = _cookie()
    marks, device = cookie.get("a"), cookie.get("d")
    if user is None or not isinstance(marks, list) or not isinstance(device, str):
        return None
    return device if _mark(user) in marks else None


def remember(response, user: User):
    """Mark this browser as one `user` signs in from; returns `response`."""
    cookie = _cookie()
    device = cookie.get("d") if isinstance(cookie.get("d"), str) else secrets.token_hex(12)
    mark = _mark(user)
    others = [m for m in cookie.get("a") or [] if isinstance(m, str) and m != mark]
    marks = [*others[max(0, len(others) - ACCOUNTS_PER_BROWSER + 1):], mark]
    config = current_app.config
    response.set_cookie(
        COOKIE, _serializer().dumps({"d": device, "a": marks}), max_age=LIFETIME_SECONDS,
        path="/auth", secure=config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
    )
    return response
