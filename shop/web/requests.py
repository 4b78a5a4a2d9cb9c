import json
import re
from urllib.parse import urlsplit

from flask import abort, request

# A page names each attempt (a click, a submitted form) with a random key, so that a
# repeat of the same attempt is recognised and a new attempt is not mistaken for one.
REQUEST_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def valid_request_key(value: object) -> str | None:
    """An attempt key from a JSON body, or None when it is missing or malformed."""
    if isinstance(value, str) and REQUEST_KEY.fullmatch(value):
        return value
    return None


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site to send a browser to, else None.

    "//host/x" and "/\\host/x" start with a slash but browsers go off-site with them;
    CR and LF would split a Location header.
    """
    if not target or "\\" in target or not target.isprintable():
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def referring_page() -> str | None:
    """The page the request came from (its Referer), if that page is on this site."""
    parts = urlsplit(request.referrer or "")
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    return local_path(parts.path + (f"?{parts.query}" if parts.query else ""))


def json_object() -> dict:
    """The request's JSON object; anything else (a list, a number, no JSON) reads as {}."""
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


NUL_REFUSED = "Requests may not contain NUL characters."
NOT_TEXT = "Requests may only contain text: this one has characters that are not."
TOO_DEEP = "The request's JSON is nested too deeply."
# \ud800 to \udfff, in either case: rare in a body, so looked for before parsing.
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values if isinstance(value, str))


def refuse_nul_bytes() -> None:
    """400 for NUL characters in the path, query, form or JSON body.

    No legitimate input carries them, and PostgreSQL cannot store or even compare
    text containing one, so they are turned away before any view runs. The Stripe
    webhook reads its raw body itself and is left alone. The query string is read
    raw (a NUL can only come from `%00` or the byte itself), and a form is only
    parsed when the request sends one, so a plain page view parses nothing.
    """
    if request.endpoint == "webhooks.stripe_webhook":
        return
    query = request.query_string
    if "\x00" in request.path or b"%00" in query or b"\x00" in query:
        abort(400, NUL_REFUSED)
    if not request.environ.get("CONTENT_TYPE"):
        return  # no body the shop would read: neither JSON nor a form
    if request.is_json:
        body = request.get_data(cache=True)
        if b"\\u0000" in body or b"\x00" in body:
            abort(400, NUL_REFUSED)
        _refuse_unreadable_json(body)
    elif request.mimetype in FORM_TYPES and _has_nul(request.form.values()):
        abort(400, NUL_REFUSED)


def _refuse_unreadable_json(body: bytes) -> None:
    """400 for JSON no view could use: nested too deeply for Python's parser, or with
    an escaped surrogate without its pair (valid JSON, but no text a database can
    store). The body is parsed once here, and the view reads the cached result."""
    try:
        parsed = request.get_json(silent=True)
    except RecursionError:
        abort(400, TOO_DEEP)
    if _ESCAPED_SURROGATE.search(body):
        try:
            json.dumps(parsed, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            abort(400, NOT_TEXT)
