"""The ``/v1`` API: keys, faults, parameter decoding, idempotency, then the handler."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from typing import Any

from flask import Blueprint, Response, current_app, g, request

from .errors import StripeError, api_error, no_such, not_stored
from .params import LIST, decode, validate
from .routing import ROUTES, Call, Route, publishable_forbidden
from .state import API_VERSION, Fault, Sandbox, random_token

log = logging.getLogger(__name__)

NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)


def make_blueprint() -> Blueprint:
    """A blueprint with every registered resource endpoint under ``/v1``."""
    from .resources import (  # noqa: F401  (imported for their @endpoint registrations)
        charges,
        customers,
        disputes,
        events,
        payment_intents,
        payment_methods,
        refunds,
        setup_intents,
    )

    blueprint = Blueprint("api", __name__)
    for route in ROUTES:
        name = f"{route.handler.__module__.rsplit('.', 1)[-1]}_{route.handler.__name__}"
        blueprint.add_url_rule(
            "/v1" + route.rule, endpoint=name, view_func=_view(route), methods=[route.method]
        )
    return blueprint


def _view(route: Route):
    def view(**url_args: str) -> Response:
        return handle(current_app.extensions["stripe_sandbox"], route, url_args)

    return view


def _key_from_header(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip()).decode().partition(":")[0] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return None


def authenticate(route: Route) -> bool:
    """Check the key; True when it is a publishable key (allowed on this route)."""
    key = _key_from_header(request.headers.get("Authorization", ""))
    if not key:
        raise StripeError(401, NO_KEY)
    if key.startswith(("sk_test_", "rk_test_")):
        return False
    if key.startswith("pk_test_"):
        if route.publishable is None:
            raise publishable_forbidden()
        return True
    masked = key[:8] + "*" * max(0, len(key) - 12) + key[-4:]
    raise StripeError(401, f"Invalid API Key provided: {masked}")


def take_fault(sb: Sandbox, method: str, path: str) -> Fault | None:
    with sb.lock:
        for fault in sb.faults:
            if fault.count > 0 and fault.matches(method, path) and fault.strikes():
                fault.count -= 1
                return fault
    return None


def _fault_error(fault: Fault, path: str) -> StripeError:
    if fault.mode == "not_found":  # /v1/payment_intents/pi_x → "No such payment_intent"
        _, collection, object_id, *_ = [*path.strip("/").split("/"), "", ""]
        return no_such(collection.removesuffix("s"), object_id)
    if fault.mode == "rate_limit":
        return StripeError(429, "Too many requests hit the API too quickly. We recommend an "
                           "exponential backoff of your requests.", code="rate_limit")
    return api_error("An unknown error occurred (injected by the sandbox).")


def _respond(status: int, payload: bytes, request_id: str, *, replayed: bool = False,
             key: str | None = None) -> Response:
    response = Response(payload, status=status, mimetype="application/json")
    response.headers["Request-Id"] = request_id
    response.headers["Stripe-Version"] = request.headers.get("Stripe-Version", API_VERSION)
    if key:
        response.headers["Idempotency-Key"] = key
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _error(error: StripeError, request_id: str) -> Response:
    return _respond(error.status, json.dumps(error.body()).encode(), request_id)


def _run(sb: Sandbox, route: Route, call: Call, url_args: dict[str, str]) -> Any:
    """The handler's answer, expanded. A request that fails changes nothing (SANDBOX.md
    §6) unless its error says Stripe keeps the attempt. GETs are left out: they change
    nothing anyone sees, and remembering every object a list walks past is slow."""
    if request.method == "GET":
        return sb.expand(route.handler(sb, call, **url_args), call.params.get("expand"))
    with sb.all_or_nothing():
        return sb.expand(route.handler(sb, call, **url_args), call.params.get("expand"))


def handle(sb: Sandbox, route: Route, url_args: dict[str, str]) -> Response:
    request_id = g.request_id = "req_" + random_token(14)
    is_post = request.method == "POST"
    pairs = list((request.form if is_post else request.args).items(multi=True))
    try:
        fault = take_fault(sb, request.method, request.path)
        if fault is not None and fault.mode in ("error", "timeout", "rate_limit", "not_found"):
            if fault.mode == "timeout":
                time.sleep(fault.seconds)
            raise not_stored(_fault_error(fault, request.path))
        publishable = authenticate(route)
        params = validate({**route.spec, "expand": LIST}, decode(pairs))
    except StripeError as error:
        return _error(error, request_id)

    key = request.headers.get("Idempotency-Key") if is_post else None
    if key:
        try:
            with sb.lock:
                replay = sb.idempotency.begin(
                    key, request.method, request.path, tuple(sorted(pairs)), sb.now_float()
                )
        except StripeError as error:
            return _error(error, request_id)
        if replay is not None:
            return _respond(replay.status, replay.body, replay.request_id, replayed=True, key=key)
    if fault is not None and fault.mode == "slow":
        time.sleep(fault.seconds)  # while the key is in flight, so a 409 can be observed

    call = Call(params, publishable, request_id, key, request.host_url.rstrip("/"))
    store = True
    with sb.lock:
        sb.request_info = {"id": request_id, "idempotency_key": key}
        try:
            status, body = 200, _run(sb, route, call, url_args)
        except StripeError as error:
            status, body, store = error.status, error.body(), error.store_idempotent
        except Exception:
            log.exception("sandbox handler failed")
            status, body = 500, api_error().body()
        finally:
            sb.request_info = {"id": None, "idempotency_key": None}
        payload = json.dumps(body).encode()
        if key and store:
            sb.idempotency.finish(key, status, payload, request_id)
        elif key:
            sb.idempotency.abandon(key)
    if fault is not None and fault.mode == "error_after":
        return _error(_fault_error(fault, request.path), request_id)
    return _respond(status, payload, request_id, key=key)
