"""Events: retrieve and list (``type`` with a trailing ``*`` wildcard, or ``types[]``)."""

from __future__ import annotations

from typing import Any

from ..params import LIST, LIST_PARAMS, STR
from ..routing import Call, endpoint
from ..state import Sandbox


def _type_matches(event_type: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        return event_type.startswith(pattern[:-1])
    return event_type == pattern


@endpoint("/events/<event_id>", "GET", {})
def retrieve(sb: Sandbox, call: Call, event_id: str) -> dict[str, Any]:
    return sb.get("event", event_id)


@endpoint("/events", "GET", {**LIST_PARAMS, "type": STR, "types": LIST,
                              "delivery_success": STR})
def list_all(sb: Sandbox, call: Call) -> dict[str, Any]:
    patterns = list(call.params.get("types") or [])
    if call.params.get("type"):
        patterns.append(call.params["type"])
    return sb.list_objects(
        "event", call.params, "/v1/events",
        None if not patterns
        else lambda event: any(_type_matches(event["type"], p) for p in patterns),
    )
