"""Form-encoded, bracket-nested parameters, decoded and checked against a spec.

``metadata[order_id]=7&expand[0]=latest_charge`` becomes
``{"metadata": {"order_id": "7"}, "expand": ["latest_charge"]}``. A spec is a dict of
allowed names whose leaves are kinds (``STR``, ``INT``, ...); names outside it give
Stripe's 400 ``parameter_unknown``. Posting ``""`` means "unset" and decodes to None.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .errors import StripeError, not_stored

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
# A list index is ASCII digits, as Stripe reads it: str.isdigit() also takes "²" (which
# int() refuses) and full-width digits; the length cap keeps int() from ever seeing a
# string long enough to raise. Any other segment is a plain key.
_LIST_INDEX = re.compile(r"[0-9]{1,19}")
# Stripe's deepest parameters are a few brackets deep
# (payment_method_data[billing_details][address][line1]). Decoding and checking recurse
# once per bracket, so a key far deeper than any parameter is refused before they run
# out of stack. Unverified: Stripe documents neither its limit nor its wording.
MAX_DEPTH = 20


def _split_key(key: str) -> list[str]:
    head, bracket, _ = key.partition("[")
    if not bracket:
        return [key]
    rest = key[len(head) :]
    if rest.count("[") > MAX_DEPTH and head:
        raise not_stored(StripeError(
            400, f"Invalid parameter name: {head}[...] is nested more than {MAX_DEPTH} "
            "levels deep.", param=head))
    segments = _SEGMENT.findall(rest)
    if "".join(f"[{s}]" for s in segments) != rest or not head:
        raise not_stored(StripeError(400, f"Invalid parameter name: {key}", param=key))
    return [head, *segments]


def decode(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn ``(key, value)`` pairs with bracket nesting into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        segments = _split_key(key)
        node: Any = root
        for index, segment in enumerate(segments):
            last = index == len(segments) - 1
            if segment == "":  # ``expand[]=x`` appends
                segment = str(len(node))
            if last:
                node[segment] = value
            else:
                child = node.get(segment)
                if not isinstance(child, dict):
                    child = {}
                    node[segment] = child
                node = child
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value) for key, value in node.items()}
    if converted and all(_LIST_INDEX.fullmatch(key) for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


class Kind:
    """A leaf of a spec: turns the posted string into a Python value or raises a 400."""

    name = "string"

    def coerce(self, value: Any, param: str) -> Any:
        if not isinstance(value, str):
            raise _invalid(f"Invalid {self.name}: {_show(value)}", param)
        return value


# Stripe's integers are int64. ``[0-9]`` rather than ``\d``, which also matches
# full-width and other Unicode digits that Stripe refuses; the length cap keeps ``int()``
# from ever seeing a string long enough to raise.
_INTEGER = re.compile(r"-?[0-9]{1,19}")
_INT64 = range(-(2**63), 2**63)


class _Int(Kind):
    name = "integer"

    def coerce(self, value: Any, param: str) -> Any:
        if isinstance(value, str) and _INTEGER.fullmatch(value) and int(value) in _INT64:
            return int(value)
        raise _invalid(f"Invalid integer: {_show(value)}", param, "parameter_invalid_integer")


class _Bool(Kind):
    name = "boolean"

    def coerce(self, value: Any, param: str) -> Any:
        if value in ("true", "false"):
            return value == "true"
        raise _invalid(f"Invalid boolean: {_show(value)}", param)


class Enum(Kind):
    def __init__(self, *choices: str) -> None:
        self.choices = choices

    def coerce(self, value: Any, param: str) -> Any:
        if value in self.choices:
            return value
        *first, last = self.choices
        listed = f"{', '.join(first)}, or {last}" if first else last
        raise _invalid(f"Invalid {param}: must be one of {listed}", param)


class _Map(Kind):
    """``metadata``: free string keys; a value of "" deletes that key."""

    name = "hash"

    def coerce(self, value: Any, param: str) -> Any:
        if isinstance(value, list):
            value = {str(i): v for i, v in enumerate(value)}
        if not isinstance(value, dict):
            raise _invalid(f"Invalid hash: {_show(value)}", param)
        result = {}
        for key, item in value.items():
            if not isinstance(item, str):
                raise _invalid(f"Invalid string: {_show(item)}", f"{param}[{key}]")
            result[key] = None if item == "" else item
        return result


class _List(Kind):
    name = "array"

    def coerce(self, value: Any, param: str) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _invalid(f"Invalid array: {_show(value)}", param)
        return value


class _IntOrRange(Kind):
    """``created=123`` or ``created[gte]=123`` (used by list filters)."""

    def coerce(self, value: Any, param: str) -> Any:
        if isinstance(value, dict):
            unknown = set(value) - {"gt", "gte", "lt", "lte"}
            if unknown:
                raise unknown_param(f"{param}[{sorted(unknown)[0]}]")
            return {op: INT.coerce(v, f"{param}[{op}]") for op, v in value.items()}
        return {"eq": INT.coerce(value, param)}


class _Any(Kind):
    def coerce(self, value: Any, param: str) -> Any:
        return value


STR, INT, BOOL, MAP, LIST = Kind(), _Int(), _Bool(), _Map(), _List()
RANGE, ANY = _IntOrRange(), _Any()

LIST_PARAMS = {"limit": INT, "starting_after": STR, "ending_before": STR, "created": RANGE}


def _show(value: Any) -> str:
    return value if isinstance(value, str) else type(value).__name__


def _invalid(message: str, param: str, code: str | None = None) -> StripeError:
    return not_stored(StripeError(400, message, param=param, code=code))


def unknown_param(name: str) -> StripeError:
    return not_stored(
        StripeError(
            400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name
        )
    )


def validate(spec: dict[str, Any], raw: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Check ``raw`` against ``spec`` and coerce its leaves; "" becomes None (unset)."""
    result: dict[str, Any] = {}
    for key, value in raw.items():
        name = f"{prefix}[{key}]" if prefix else key
        if key not in spec:
            raise unknown_param(name)
        kind = spec[key]
        if value == "":
            result[key] = None
        elif isinstance(kind, dict):
            if not isinstance(value, dict):
                raise _invalid(f"Invalid object: {_show(value)}", name)
            result[key] = validate(kind, value, name)
        else:
            result[key] = kind.coerce(value, name)
    return result


def require(params: dict[str, Any], *names: str) -> None:
    """Raise Stripe's ``parameter_missing`` for the first absent name."""
    from .errors import missing_param

    for name in names:
        if params.get(name) is None:
            raise missing_param(name)
