"""Structured log lines for payments and webhooks, and the scrubbing that keeps secrets out.

`log_event` writes one JSON line per payment action or webhook (order, intent,
event id, outcome). Nothing that could pay or impersonate ever reaches a log:
API keys, webhook secrets and client secrets are replaced, and so is any run of
digits that passes the Luhn check. Request logs get the same treatment, because
Stripe sends customers back with `payment_intent_client_secret=...` in the URL.
"""

import json
import logging
import re

from flask import Flask
from flask.logging import default_handler

REDACTED = "[redacted]"
_SECRET = re.compile(
    r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]+"  # API keys
    r"|whsec_[A-Za-z0-9_]+"  # webhook signing secrets
    r"|[A-Za-z0-9]+_secret_[A-Za-z0-9]+"  # PaymentIntent and SetupIntent client secrets
)
_CLIENT_SECRET_PARAM = re.compile(r"(client_secret=)[^&\s\"']+")
# A guest order's signed access token opens the order and its pay page, in a link's
# path or in the return URL's query.
_ACCESS_TOKEN = re.compile(r"(/access/|[?&]access=)[^/?&#\s\"']+")
# Digits grouped as people type them: by spaces or dashes, and spaces as a URL writes
# them ("+" in a form's query string, "%20" in a path).
_GAP = re.compile(r"%20|[ +-]")
_DIGIT_RUN = re.compile(r"(?:(?<![\d%])|(?<=%20))\d(?:(?:%20|[ +-])?\d){12,}")
# Request loggers of the servers the shop runs under.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")


def luhn_valid(digits: str) -> bool:
    """True for a digit string whose last digit is a valid Luhn check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _holds_card_number(groups: list[str]) -> bool:
    """Do some of these digit groups, next to each other, make a 13 to 19 digit number
    that passes the Luhn check? A card number may be typed beside other digits (its
    expiry, its CVC) with only a space between them."""
    for first in range(len(groups)):
        digits = ""
        for group in groups[first:]:
            digits += group
            if len(digits) > 19:
                break
            if len(digits) >= 13 and luhn_valid(digits):
                return True
    return False


def _card_number(match: re.Match) -> str:
    return REDACTED if _holds_card_number(_GAP.split(match.group(0))) else match.group(0)


def scrub(text: str) -> str:
    """`text` with keys, client secrets, order access tokens and anything shaped like a
    card number replaced."""
    text = _CLIENT_SECRET_PARAM.sub(rf"\1{REDACTED}", text)
    text = _ACCESS_TOKEN.sub(rf"\1{REDACTED}", text)
    text = _SECRET.sub(REDACTED, text)
    return _DIGIT_RUN.sub(_card_number, text)


def redact(value: object) -> object:
    """A log field as it may be written: unchanged unless it carries a secret."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = str(value)
    cleaned = scrub(text)
    return value if cleaned == text else cleaned


def log_event(action: str, *, level: int = logging.INFO, **fields: object) -> None:
    """One structured line per payment action or webhook: action and key=value fields."""
    record = {"action": action, **{k: redact(v) for k, v in fields.items() if v is not None}}
    logging.getLogger("shop.payments").log(level, json.dumps(record, default=str,
                                                             sort_keys=True))


class ScrubFilter(logging.Filter):
    """Rewrites a record's message through `scrub` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_logging(app: Flask) -> None:
    # Payment lines travel up to the app's logger and its handler (Flask's, or whatever
    # the deployment configured): a handler of their own here would print each twice.
    logging.getLogger("shop.payments").setLevel(logging.INFO)
    for name in (*REQUEST_LOGGERS, app.logger.name):
        request_logger = logging.getLogger(name)
        if not any(isinstance(f, ScrubFilter) for f in request_logger.filters):
            request_logger.addFilter(ScrubFilter())
    # Flask-Limiter warns that its storage (Redis) is unreachable on a logger of its own
    # that has only a NullHandler. Where nothing handles the root logger (gunicorn's
    # default), the warning reached no one: it goes where the app's own lines go.
    limiter_logger = logging.getLogger("flask-limiter")
    if default_handler in app.logger.handlers and default_handler not in limiter_logger.handlers:
        limiter_logger.addHandler(default_handler)
