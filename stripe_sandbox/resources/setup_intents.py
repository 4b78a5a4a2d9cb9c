"""SetupIntents: create, retrieve, confirm (3-D Secure included), cancel."""

from __future__ import annotations

import copy
from typing import Any

from .. import payments
from ..errors import StripeError, doc_url, invalid
from ..params import ANY, BOOL, LIST, LIST_PARAMS, MAP, STR, Enum
from ..routing import Call, apply_metadata, check_client_secret, endpoint
from ..state import Sandbox
from . import customers
from . import payment_methods as methods

CONFIRM_SPEC = {
    "payment_method": STR,
    "payment_method_data": methods.DATA_SPEC,
    "return_url": STR,
    "use_stripe_sdk": BOOL,
    "client_secret": STR,
    "mandate_data": ANY,
    "payment_method_options": ANY,
}
CREATE_SPEC = {
    **CONFIRM_SPEC,
    "customer": STR,
    "usage": Enum("on_session", "off_session"),
    "metadata": MAP,
    "description": STR,
    "confirm": BOOL,
    "automatic_payment_methods": {"enabled": BOOL, "allow_redirects": Enum("always", "never")},
    "payment_method_types": LIST,
    "flow_directions": LIST,
}
del CREATE_SPEC["client_secret"]
PUBLIC_FIELDS = frozenset(
    [
        "id", "object", "cancellation_reason", "client_secret", "created", "description",
        "last_setup_error", "livemode", "next_action", "payment_method", "payment_method_types",
        "status", "usage",
    ]
)
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
LABEL = "setupintent"


def _state_error(si: dict[str, Any], verb: str, done: str) -> StripeError:
    return StripeError(
        400,
        f"You cannot {verb} this SetupIntent because it has a status of {si['status']}. Only "
        f"a SetupIntent with one of the following statuses may be {done}: "
        f"{', '.join(CONFIRMABLE)}.",
        code="setup_intent_unexpected_state",
    )


def present(si: dict[str, Any], call: Call) -> dict[str, Any]:
    if not call.publishable:
        return si
    return {key: value for key, value in si.items() if key in PUBLIC_FIELDS}


def _use_method(sb: Sandbox, si: dict[str, Any], params: dict[str, Any]) -> None:
    if params.get("payment_method_data"):
        pm = methods.from_details(sb, params["payment_method_data"], "payment_method_data[")
        si["payment_method"] = pm["id"]
    elif params.get("payment_method"):
        si["payment_method"] = methods.resolve(sb, params["payment_method"])["id"]
    if si["payment_method"] and si["status"] == "requires_payment_method":
        si["status"] = "requires_confirmation"


def finish(sb: Sandbox, si: dict[str, Any], pm: dict[str, Any], *, authenticated: bool):
    """The card checks out (or not): attach it to the customer and succeed."""
    behaviour = sb.private[pm["id"]]["behaviour"]
    si["next_action"] = None
    si["latest_attempt"] = sb.new_id("setatt")
    if behaviour.fails_on_attach:
        decline = behaviour.decline
        return fail(sb, si, pm, {
            "type": "card_error", "code": decline.code, "decline_code": decline.decline_code,
            "message": decline.message, "payment_method": copy.deepcopy(pm)})
    if si["customer"] and pm["customer"] is None:
        pm["customer"] = si["customer"]
        sb.emit("payment_method.attached", pm)
    sb.private[pm["id"]]["set_up"] = True
    si.update(status="succeeded", last_setup_error=None)
    sb.emit("setup_intent.succeeded", si)
    return None


def fail(sb: Sandbox, si: dict[str, Any], pm: dict[str, Any], error: dict[str, Any]):
    error = {**error, "doc_url": doc_url(error["code"])}  # as on a payment's error
    si.update(status="requires_payment_method", next_action=None, payment_method=None,
              last_setup_error=error)
    sb.emit("setup_intent.setup_failed", si)
    return error


@endpoint("/setup_intents", "POST", CREATE_SPEC)
def create(sb: Sandbox, call: Call) -> dict[str, Any]:
    params = call.params
    automatic = params.get("automatic_payment_methods")
    if automatic is None and not params.get("payment_method_types"):
        automatic = {"enabled": True}
    si_id = sb.new_id("seti")
    si = {
        "id": si_id, "object": "setup_intent", "application": None,
        "automatic_payment_methods": None if automatic is None else {
            "allow_redirects": automatic.get("allow_redirects") or "always",
            "enabled": bool(automatic.get("enabled"))},
        "cancellation_reason": None, "client_secret": f"{si_id}_secret_{sb.new_id('x')[2:]}",
        "created": sb.now(), "customer": None, "customer_account": None,
        "description": params.get("description"), "excluded_payment_method_types": None,
        "flow_directions": params.get("flow_directions"), "last_setup_error": None,
        "latest_attempt": None, "livemode": False, "mandate": None, "metadata": {},
        "next_action": None, "on_behalf_of": None, "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"mandate_options": None, "network": None,
                                            "request_three_d_secure": "automatic"}},
        "payment_method_types": params.get("payment_method_types") or ["card"],
        "single_use_mandate": None, "status": "requires_payment_method",
        "usage": params.get("usage") or "off_session",
    }
    if params.get("customer"):
        si["customer"] = customers.live(sb, params["customer"], "customer")["id"]
    apply_metadata(si, params.get("metadata") or {})
    _use_method(sb, si, params)
    sb.add(si)
    sb.emit("setup_intent.created", si)
    if params.get("confirm"):
        return _confirm(sb, call, si)
    return si


@endpoint("/setup_intents/<si_id>", "GET", {"client_secret": STR}, publishable="client_secret")
def retrieve(sb: Sandbox, call: Call, si_id: str) -> dict[str, Any]:
    si = sb.get("setup_intent", si_id, LABEL, "intent")
    check_client_secret(call, si, LABEL)
    return present(si, call)


@endpoint("/setup_intents", "GET", {**LIST_PARAMS, "customer": STR, "payment_method": STR})
def list_all(sb: Sandbox, call: Call) -> dict[str, Any]:
    wanted = {key: call.params[key] for key in ("customer", "payment_method")
              if call.params.get(key)}
    return sb.list_objects(
        "setup_intent", call.params, "/v1/setup_intents",
        lambda si: all(si[key] == value for key, value in wanted.items()),
    )


@endpoint("/setup_intents/<si_id>/confirm", "POST", CONFIRM_SPEC, publishable="client_secret")
def confirm(sb: Sandbox, call: Call, si_id: str) -> dict[str, Any]:
    si = sb.get("setup_intent", si_id, LABEL, "intent")
    check_client_secret(call, si, LABEL)
    return _confirm(sb, call, si)


def _confirm(sb: Sandbox, call: Call, si: dict[str, Any]) -> dict[str, Any]:
    if si["status"] not in CONFIRMABLE:
        raise _state_error(si, "confirm", "confirmed")
    params = call.params
    _use_method(sb, si, params)
    if not si["payment_method"]:
        raise StripeError(
            400, "You cannot confirm this SetupIntent because it's missing a payment method.",
            code="setup_intent_unexpected_state")
    automatic = si["automatic_payment_methods"] or {}
    if (not call.publishable and automatic.get("enabled") and not params.get("return_url")
            and automatic.get("allow_redirects") != "never"):
        raise invalid(
            "This SetupIntent is configured to accept payment methods enabled in your "
            "Dashboard. Because some of these payment methods might redirect your customer "
            "off of your page, you must provide a `return_url`. If you don't want to accept "
            "redirect-based payment methods, set `automatic_payment_methods[allow_redirects]` "
            "to `never`.", param="return_url")
    pm = sb.objects[si["payment_method"]]
    methods.check_usable(sb, pm, si["customer"])
    si["last_setup_error"] = None
    if payments.needs_authentication(sb, pm):
        attempt = payments.Attempt(host_url=call.host_url, return_url=params.get("return_url"),
                                   use_stripe_sdk=bool(params.get("use_stripe_sdk")))
        redirect = sb.private[pm["id"]]["behaviour"].three_d_secure == "redirect"
        si.update(status="requires_action",
                  next_action=payments.next_action(si, attempt, redirect))
        sb.emit("setup_intent.requires_action", si)
        return present(si, call)
    error = finish(sb, si, pm, authenticated=False)
    if error:
        raise StripeError(402, error["message"], type="card_error", code=error["code"],
                          decline_code=error["decline_code"], setup_intent=present(si, call),
                          payment_method=pm, keeps_changes=True)
    return present(si, call)


@endpoint("/setup_intents/<si_id>/cancel", "POST",
          {"cancellation_reason": Enum("abandoned", "duplicate", "requested_by_customer")})
def cancel(sb: Sandbox, call: Call, si_id: str) -> dict[str, Any]:
    si = sb.get("setup_intent", si_id, LABEL, "intent")
    if si["status"] not in CONFIRMABLE:
        raise _state_error(si, "cancel", "canceled")
    si.update(status="canceled", next_action=None,
              cancellation_reason=call.params.get("cancellation_reason"))
    sb.emit("setup_intent.canceled", si)
    return si
