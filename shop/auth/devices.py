"""Browsers an account has signed in from, which its failed-sign-in limit spares.

Counting failed sign-ins per account stops one password being guessed from many
addresses, but on its own it lets anyone lock the owner out, an admin in the middle
of an incident included, by failing twenty times. A browser that has signed in to
the account before carries a signed cookie saying so; its attempts count only
against its own client limit, as everyone's do.
"""

import hashlib

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "known_device"
ACCOUNTS_PER_BROWSER = 5
LIFETIME_SECONDS = 365 * 24 * 3600


def _serializer() -> URLSafeSerializer:
    config = current_app.config
    keys = [*(config["SECRET_KEY_FALLBACKS"] or ()), config["SECRET_KEY"]]
    return URLSafeSerializer(keys, salt="known-device")


def _mark(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]


def _marks() -> list[str]:
    try:
        marks = _serializer().loads(request.cookies.get(COOKIE, ""))
    except BadSignature:
        return []
    return [m for m in marks if isinstance(m, str)] if isinstance(marks, list) else []


def known(email: str) -> bool:
    """Has this browser signed in to the account `email` names before?"""
    return _mark(email) in _marks()


def remember(response, email: str):
    """Mark this browser as one the account `email` signs in from; returns `response`."""
    mark = _mark(email)
    others = [m for m in _marks() if m != mark]
    marks = [*others[max(0, len(others) - ACCOUNTS_PER_BROWSER + 1):], mark]
    config = current_app.config
    response.set_cookie(
        COOKIE, _serializer().dumps(marks), max_age=LIFETIME_SECONDS, path="/auth",
        secure=config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
    )
    return response
