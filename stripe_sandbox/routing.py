"""How resource modules declare endpoints, and small helpers they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import StripeError, invalid

# publishable: None (secret key only), "always" (either key), "client_secret" (a
# publishable key must come with the object's client secret; the handler checks it).


@dataclass(frozen=True)
class Route:
    rule: str
    method: str
    handler: Callable[..., Any]
    spec: dict[str, Any]
    publishable: str | None


ROUTES: list[Route] = []


@dataclass
class Call:
    """One API request as a handler sees it."""

    params: dict[str, Any]
    publishable: bool
    request_id: str
    idempotency_key: str | None
    host_url: str  # e.g. "http://127.0.0.1:12111", for next_action URLs


def endpoint(rule: str, method: str, spec: dict[str, Any], publishable: str | None = None):
    """Register ``handler(sandbox, call, **url_args) -> dict`` for ``method rule``."""

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        ROUTES.append(Route(rule, method, handler, spec, publishable))
        return handler

    return register


def apply_metadata(obj: dict[str, Any], value: dict[str, Any] | None) -> None:
    """Merge posted metadata; a key posted as "" is removed, ``metadata=""`` clears all."""
    if value is None:
        obj["metadata"] = {}
        return
    merged = dict(obj.get("metadata") or {})
    for key, item in value.items():
        if len(key) > 40:
            raise invalid(
                "Metadata keys can have up to 40 characters.", param=f"metadata[{key}]"
            )
        if item is None:
            merged.pop(key, None)
        elif len(item) > 500:
            raise invalid(
                "Metadata values can have up to 500 characters.", param=f"metadata[{key}]"
            )
        else:
            merged[key] = item
    if len(merged) > 50:
        raise invalid("Metadata can have up to 50 keys.", param="metadata")
    obj["metadata"] = merged


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """``previous_attributes``: the old values of top-level keys that changed."""
    return {key: before.get(key) for key in after if before.get(key) != after[key]}


def check_client_secret(call: Call, obj: dict[str, Any], label: str) -> None:
    """Publishable keys need the object's own client secret; a wrong one is a 404."""
    secret = call.params.get("client_secret")
    if secret is not None and secret != obj["client_secret"]:
        raise StripeError(
            404, f"No such {label}: '{obj['id']}'", code="resource_missing", param="intent"
        )
    if call.publishable and secret is None:
        raise publishable_forbidden()


def publishable_forbidden() -> StripeError:
    # Unverified which status Stripe uses here; 401 makes the SDK raise AuthenticationError.
    return StripeError(
        401,
        "This API call cannot be made with a publishable API key. Please use a secret API "
        "key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.",
    )
