from flask import abort, request


def json_object() -> dict:
    """The request's JSON object; anything else (a list, a number, no JSON) reads as {}."""
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values if isinstance(value, str))


def refuse_nul_bytes() -> None:
    """400 for NUL characters in the path, query, form or JSON body.

    No legitimate input carries them, and PostgreSQL cannot store or even compare
    text containing one, so they are turned away before any view runs. The Stripe
    webhook reads its raw body itself and is left alone.
    """
    if request.endpoint == "webhooks.stripe_webhook":
        return
    body = request.get_data(cache=True) if request.is_json else b""
    if (
        "\x00" in request.path
        or _has_nul(request.args.values())
        or _has_nul(request.args.keys())
        or (not request.is_json and _has_nul(request.form.values()))
        or b"\\u0000" in body
        or b"\x00" in body
    ):
        abort(400, "Requests may not contain NUL characters.")
