"""PaymentIntents: create, retrieve, update, list, confirm, cancel, capture."""

from __future__ import annotations

from typing import Any

from .. import payments
from ..currencies import check_amount, check_currency
from ..errors import StripeError, invalid, unexpected_state
from ..params import ANY, BOOL, INT, LIST, LIST_PARAMS, MAP, STR, Enum, require
from ..routing import Call, apply_metadata, check_client_secret, endpoint
from ..state import Sandbox
from . import customers
from . import payment_methods as methods

CAPTURE = Enum("automatic", "automatic_async", "manual")
USAGE = Enum("on_session", "off_session")
CONFIRM_SPEC = {
    "payment_method": STR,
    "payment_method_data": methods.DATA_SPEC,
    "return_url": STR,
    "off_session": ANY,
    "setup_future_usage": USAGE,
    "receipt_email": STR,
    "use_stripe_sdk": BOOL,
    "client_secret": STR,
    "save_payment_method": BOOL,
    "capture_method": CAPTURE,
    "payment_method_types": LIST,
    "error_on_requires_action": BOOL,
    "mandate_data": ANY,
    "payment_method_options": ANY,
    "shipping": ANY,
}
UPDATE_SPEC = {
    "amount": INT,
    "currency": STR,
    "customer": STR,
    "description": STR,
    "metadata": MAP,
    "receipt_email": STR,
    "setup_future_usage": USAGE,
    "payment_method": STR,
    "payment_method_data": methods.DATA_SPEC,
    "payment_method_types": LIST,
    "capture_method": CAPTURE,
    "shipping": ANY,
    "statement_descriptor": STR,
    "statement_descriptor_suffix": STR,
    "payment_method_options": ANY,
}
CREATE_SPEC = {
    **UPDATE_SPEC,
    **CONFIRM_SPEC,
    "automatic_payment_methods": {"enabled": BOOL, "allow_redirects": Enum("always", "never")},
    "confirm": BOOL,
    "confirmation_method": Enum("automatic", "manual"),
}
del CREATE_SPEC["client_secret"]
# What a publishable key may read (SANDBOX.md §1): no metadata, no customer.
PUBLIC_FIELDS = frozenset(
    [
        "id", "object", "amount", "currency", "status", "client_secret", "capture_method",
        "confirmation_method", "created", "canceled_at", "cancellation_reason", "description",
        "last_payment_error", "livemode", "next_action", "payment_method", "payment_method_types",
        "receipt_email", "setup_future_usage", "shipping",
    ]
)
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
CANCELABLE = (*CONFIRMABLE[:2], "requires_capture", "requires_action", "processing")
LABEL = "payment_intent"


def _types(params: dict[str, Any]) -> list[str]:
    types = params.get("payment_method_types") or ["card"]
    for kind in types:
        if kind != "card":
            raise invalid(f'The payment method type "{kind}" is not supported by the sandbox; '
                          "only cards are.", param="payment_method_types")
    return types


def _money(intent: dict[str, Any], params: dict[str, Any]) -> None:
    currency = check_currency(params.get("currency") or intent["currency"])
    amount = params["amount"] if params.get("amount") is not None else intent["amount"]
    check_amount(amount, currency)
    intent.update(amount=amount, currency=currency)


def _apply(sb: Sandbox, intent: dict[str, Any], params: dict[str, Any]) -> None:
    """Fields shared by create, update and confirm."""
    if params.get("amount") is not None or params.get("currency") is not None:
        _money(intent, params)
    if params.get("customer") is not None:
        intent["customer"] = customers.live(sb, params["customer"], "customer")["id"]
    for key in ("description", "receipt_email", "setup_future_usage", "shipping",
                "statement_descriptor", "statement_descriptor_suffix"):
        if key in params:
            intent[key] = params[key]
    if params.get("capture_method"):
        intent["capture_method"] = params["capture_method"]
    if params.get("payment_method_types"):
        intent["payment_method_types"] = _types(params)
    if "metadata" in params:
        apply_metadata(intent, params["metadata"])
    if params.get("payment_method_data"):
        pm = methods.from_details(sb, params["payment_method_data"], "payment_method_data[")
        intent["payment_method"] = pm["id"]
    elif params.get("payment_method"):
        intent["payment_method"] = methods.resolve(sb, params["payment_method"])["id"]
    if intent["payment_method"] and intent["status"] == "requires_payment_method":
        intent["status"] = "requires_confirmation"


def present(intent: dict[str, Any], call: Call) -> dict[str, Any]:
    if not call.publishable:
        return intent
    return {key: value for key, value in intent.items() if key in PUBLIC_FIELDS}


@endpoint("/payment_intents", "POST", CREATE_SPEC)
def create(sb: Sandbox, call: Call) -> dict[str, Any]:
    params = call.params
    require(params, "amount", "currency")
    if params.get("automatic_payment_methods") and params.get("payment_method_types"):
        raise invalid("You may only specify one of these parameters: automatic_payment_methods, "
                      "payment_method_types.", param="automatic_payment_methods")
    if not params.get("confirm"):
        for name in ("off_session", "return_url", "use_stripe_sdk"):
            if params.get(name) is not None:
                raise invalid(f"The parameter `{name}` can only be passed when `confirm` is "
                              "set to true.", param=name)
    automatic = params.get("automatic_payment_methods")
    if automatic is None and not params.get("payment_method_types"):
        automatic = {"enabled": True}
    if automatic is not None:
        automatic = {"allow_redirects": automatic.get("allow_redirects") or "always",
                     "enabled": bool(automatic.get("enabled"))}
    intent_id = sb.new_id("pi")
    intent = {
        "id": intent_id, "object": "payment_intent", "amount": 0, "amount_capturable": 0,
        "amount_details": {"tip": {}}, "amount_received": 0, "application": None,
        "application_fee_amount": None, "automatic_payment_methods": automatic,
        "canceled_at": None, "cancellation_reason": None, "capture_method": "automatic_async",
        "client_secret": f"{intent_id}_secret_{sb.new_id('x')[2:]}",
        "confirmation_method": params.get("confirmation_method") or "automatic",
        "created": sb.now(), "currency": "usd", "customer": None, "customer_account": None,
        "description": None, "excluded_payment_method_types": None, "last_payment_error": None,
        "latest_charge": None, "livemode": False, "managed_payments": None, "metadata": {},
        "next_action": None, "on_behalf_of": None, "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"installments": None, "mandate_options": None,
                                            "network": None,
                                            "request_three_d_secure": "automatic"}},
        "payment_method_types": _types(params), "processing": None, "receipt_email": None,
        "review": None, "setup_future_usage": None, "shipping": None, "source": None,
        "statement_descriptor": None, "statement_descriptor_suffix": None,
        "status": "requires_payment_method", "transfer_data": None, "transfer_group": None,
    }
    _money(intent, params)
    if params.get("confirm"):
        _require_return_url(call, intent)  # checked before anything is created
    _apply(sb, intent, {k: v for k, v in params.items() if k not in ("amount", "currency")})
    sb.add(intent)
    sb.emit("payment_intent.created", intent)
    if params.get("confirm"):
        return _confirm(sb, call, intent, {})
    return intent


@endpoint("/payment_intents/<intent_id>", "GET", {"client_secret": STR},
          publishable="client_secret")
def retrieve(sb: Sandbox, call: Call, intent_id: str) -> dict[str, Any]:
    intent = sb.get(LABEL, intent_id, param="intent")
    check_client_secret(call, intent, LABEL)
    return present(intent, call)


@endpoint("/payment_intents/<intent_id>", "POST", UPDATE_SPEC)
def update(sb: Sandbox, call: Call, intent_id: str) -> dict[str, Any]:
    intent = sb.get(LABEL, intent_id, param="intent")
    always = {"description", "metadata", "receipt_email", "shipping"}
    if intent["status"] not in CONFIRMABLE and set(call.params) - always - {"expand"}:
        raise unexpected_state(
            f"You cannot update this PaymentIntent because it has a status of "
            f"{intent['status']}. Updates are only allowed for statuses "
            f"{', '.join(CONFIRMABLE)}, except for description, metadata, receipt_email and "
            "shipping.")
    _apply(sb, intent, call.params)
    if intent["status"] in CONFIRMABLE:
        intent["last_payment_error"] = None
    if call.params.get("payment_method") or call.params.get("payment_method_data"):
        # As at Stripe, a new payment method always has to be confirmed again: a 3-D Secure
        # challenge begun for the old card must not go on to charge the new one.
        intent.update(status="requires_confirmation", next_action=None)
    return intent


@endpoint("/payment_intents", "GET", {**LIST_PARAMS, "customer": STR})
def list_all(sb: Sandbox, call: Call) -> dict[str, Any]:
    customer = call.params.get("customer")
    return sb.list_objects(
        "payment_intent", call.params, "/v1/payment_intents",
        None if customer is None else lambda intent: intent["customer"] == customer,
    )


@endpoint("/payment_intents/<intent_id>/confirm", "POST", CONFIRM_SPEC,
          publishable="client_secret")
def confirm(sb: Sandbox, call: Call, intent_id: str) -> dict[str, Any]:
    intent = sb.get(LABEL, intent_id, param="intent")
    check_client_secret(call, intent, LABEL)
    return _confirm(sb, call, intent, call.params)


def _require_return_url(call: Call, intent: dict[str, Any]) -> None:
    """A server-side confirm that may redirect needs somewhere to come back to."""
    automatic = intent["automatic_payment_methods"] or {}
    if (not call.publishable and automatic.get("enabled") and not call.params.get("return_url")
            and automatic.get("allow_redirects") != "never"):
        raise invalid(
            "This PaymentIntent is configured to accept payment methods enabled in your "
            "Dashboard. Because some of these payment methods might redirect your customer "
            "off of your page, you must provide a `return_url`. If you don't want to accept "
            "redirect-based payment methods, set `automatic_payment_methods[enabled]` to "
            "`true` and `automatic_payment_methods[allow_redirects]` to `never` when creating "
            "Setup Intents and Payment Intents.", param="return_url")


def _confirm(sb: Sandbox, call: Call, intent: dict[str, Any], params: dict[str, Any]):
    status = intent["status"]
    if status == "succeeded":
        raise unexpected_state("You cannot confirm this PaymentIntent because it has already "
                               "succeeded after being previously confirmed.")
    if status not in CONFIRMABLE:
        raise unexpected_state(
            f"You cannot confirm this PaymentIntent because it has a status of {status}. Only "
            f"a PaymentIntent with one of the following statuses may be confirmed: "
            f"{', '.join(CONFIRMABLE)}.")
    _apply(sb, intent, {k: v for k, v in params.items() if k not in ("client_secret",)})
    full = call.params
    if full.get("save_payment_method") and intent["customer"] and not intent["setup_future_usage"]:
        intent["setup_future_usage"] = "off_session"
    if not intent["payment_method"]:
        raise unexpected_state(
            "You cannot confirm this PaymentIntent because it's missing a payment method. You "
            "can either update the PaymentIntent with a payment method and then confirm it "
            "again, or confirm it again directly with a payment method.")
    _require_return_url(call, intent)
    pm = sb.objects[intent["payment_method"]]
    methods.check_usable(sb, pm, intent["customer"])
    intent["last_payment_error"] = None
    attempt = payments.Attempt(
        host_url=call.host_url, return_url=full.get("return_url"),
        use_stripe_sdk=bool(full.get("use_stripe_sdk")),
        off_session=full.get("off_session") not in (None, False, "false"),
    )
    decline = payments.start(sb, intent, pm, attempt)
    if decline:
        raise payments.card_error(decline, charge=intent["latest_charge"],
                                  payment_intent=present(intent, call),
                                  payment_method=pm)
    return present(intent, call)


@endpoint("/payment_intents/<intent_id>/cancel", "POST",
          {"cancellation_reason": Enum("duplicate", "fraudulent", "requested_by_customer",
                                       "abandoned")})
def cancel(sb: Sandbox, call: Call, intent_id: str) -> dict[str, Any]:
    intent = sb.get(LABEL, intent_id, param="intent")
    if intent["status"] not in CANCELABLE:
        raise unexpected_state(
            f"You cannot cancel this PaymentIntent because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses may "
            f"be canceled: {', '.join(CANCELABLE)}.")
    if intent["status"] == "requires_capture":
        charge = sb.objects[intent["latest_charge"]]
        charge.update(refunded=True, amount_refunded=charge["amount"])
    intent.update(status="canceled", canceled_at=sb.now(), next_action=None,
                  amount_capturable=0, processing=None,
                  cancellation_reason=call.params.get("cancellation_reason"))
    sb.emit("payment_intent.canceled", intent)
    return intent


@endpoint("/payment_intents/<intent_id>/capture", "POST",
          {"amount_to_capture": INT, "metadata": MAP})
def capture(sb: Sandbox, call: Call, intent_id: str) -> dict[str, Any]:
    intent = sb.get(LABEL, intent_id, param="intent")
    if intent["status"] != "requires_capture":
        raise unexpected_state(
            f"This PaymentIntent could not be captured because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses may "
            "be captured: requires_capture.")
    amount = call.params.get("amount_to_capture")
    amount = intent["amount_capturable"] if amount is None else amount
    if not 0 < amount <= intent["amount_capturable"]:
        raise StripeError(400, "The amount to capture must be a positive integer less than or "
                          f"equal to the amount capturable ({intent['amount_capturable']}).",
                          code="amount_too_large", param="amount_to_capture")
    if "metadata" in call.params:
        apply_metadata(intent, call.params["metadata"])
    charge = sb.objects[intent["latest_charge"]]
    charge.update(captured=True, amount_captured=amount, balance_transaction=sb.new_id("txn"))
    intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
    sb.emit("charge.captured", charge)
    sb.emit("payment_intent.succeeded", intent)
    payments.captured(sb, intent, charge)
    return intent
