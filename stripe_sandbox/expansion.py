"""``expand[]``: a path of properties whose ids are replaced by the objects they name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import StripeError

# The properties Stripe can expand on the objects the sandbox serves (stripe-python marks
# them ExpandableField). Any other property, such as ``amount``, cannot be expanded,
# though a path may walk through a hash (``invoice_settings.default_payment_method``).
EXPANDABLE = frozenset(
    [
        "application", "application_fee", "balance_transaction", "charge", "customer",
        "default_payment_method", "default_source", "destination",
        "failure_balance_transaction", "generated_card", "latest_attempt", "latest_charge",
        "mandate", "on_behalf_of", "payment_intent", "payment_method", "payment_record",
        "review", "setup_attempt", "setup_intent", "single_use_mandate", "source",
        "source_transfer", "source_transfer_reversal", "test_clock", "transfer",
        "transfer_reversal",
    ]
)

# Let through as well: SANDBOX.md asks for ``latest_charge.payment_method_details``, and a
# charge's ``refunds`` list is one Stripe includes on request.
LET_THROUGH = frozenset(["payment_method_details", "refunds"])


def expand(objects: Mapping[str, Any], obj: dict[str, Any], paths: list[str] | None):
    """A copy of ``obj`` with the ids named by ``expand[]`` paths replaced by objects."""
    if not paths:
        return obj
    result = dict(obj)
    for path in paths:
        _expand_path(objects, result, path.split("."), path)
    return result


def _refused(path: str) -> StripeError:
    return StripeError(400, f"This property cannot be expanded ({path}).", param="expand")


def _expand_path(objects: Mapping[str, Any], node: dict[str, Any], parts: list[str],
                 full: str) -> None:
    key, rest = parts[0], parts[1:]
    if node.get("object") == "list" and key == "data":
        node["data"] = [dict(item) for item in node["data"]]
        for item in node["data"] if rest else []:
            _expand_path(objects, item, rest, full)
        return
    if key not in node:
        raise _refused(full)
    value = node[key]
    walks_on = bool(rest) and isinstance(value, dict)
    if key not in EXPANDABLE and key not in LET_THROUGH and not walks_on:
        raise _refused(full)
    if isinstance(value, dict):
        value = dict(value)
    elif isinstance(value, str) and value in objects:
        value = dict(objects[value])
    node[key] = value
    if rest and isinstance(value, dict):
        _expand_path(objects, value, rest, full)
