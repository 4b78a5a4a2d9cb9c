from flask import request


def json_object() -> dict:
    """The request's JSON object; anything else (a list, a number, no JSON) reads as {}."""
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}
