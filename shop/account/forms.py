import re

from flask_wtf import FlaskForm

# The add-card page names each attempt so a double submit reuses one SetupIntent.
REQUEST_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


class CardActionForm(FlaskForm):
    """Only the CSRF token: "Make default" and "Remove" are one-button POSTs."""


def valid_request_key(value: object) -> str | None:
    """The add-card attempt key from a JSON body, or None when it is missing or malformed."""
    if isinstance(value, str) and REQUEST_KEY.fullmatch(value):
        return value
    return None
