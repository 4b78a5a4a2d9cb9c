"""The payment engine: what confirming an intent with a card does, 3-D Secure included."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from . import cards
from .errors import StripeError, doc_url
from .resources import charges, disputes
from .resources import payment_methods as methods
from .state import Sandbox

AUTH_FAILED_MESSAGE = (
    "The provided PaymentMethod has failed authentication. You can provide "
    "payment_method_data or a new PaymentMethod to attempt to fulfill this "
    "PaymentIntent again."
)
SETUP_AUTH_FAILED_MESSAGE = (
    "The latest attempt to set up the payment method has failed because authentication "
    "failed."
)


@dataclass
class Attempt:
    """How a confirm was asked for: it decides off-session rules and the next action."""

    host_url: str
    return_url: str | None = None
    use_stripe_sdk: bool = False
    off_session: bool = False


def needs_authentication(sb: Sandbox, pm: dict[str, Any]) -> bool:
    private = sb.private[pm["id"]]
    mode = private["behaviour"].three_d_secure
    if mode == "unless_setup":
        return not private.get("set_up")
    return mode is not None


def next_action(intent: dict[str, Any], attempt: Attempt, redirect_card: bool) -> dict[str, Any]:
    """The 3-D Secure step, as Stripe.js or a redirect-following browser expects it."""
    query = {"intent": intent["id"], "client_secret": intent["client_secret"]}
    challenge = f"{attempt.host_url}/v3/challenge?{urlencode(query)}"
    if redirect_card or (attempt.return_url and not attempt.use_stripe_sdk):
        url = challenge
        if attempt.return_url:
            url += "&" + urlencode({"return_url": attempt.return_url})
        return {"type": "redirect_to_url",
                "redirect_to_url": {"url": url, "return_url": attempt.return_url}}
    return {
        "type": "use_stripe_sdk",
        "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": challenge,
                           "source": f"src_{intent['id'].split('_', 1)[1]}"},
    }


def card_error(decline: cards.Decline, **extra: Any) -> StripeError:
    """The 402 for a declined confirm; the failed attempt stays on record, as at Stripe."""
    return StripeError(402, decline.message, type="card_error", code=decline.code,
                       decline_code=decline.decline_code, keeps_changes=True, **extra)


def _payment_error(decline: cards.Decline, charge_id: str | None, pm: dict[str, Any]):
    error = {"type": "card_error", "code": decline.code, "decline_code": decline.decline_code,
             "message": decline.message, "doc_url": doc_url(decline.code),
             "payment_method": copy.deepcopy(pm)}
    if charge_id:
        error["charge"] = charge_id
    return error


def _use_up(sb: Sandbox, pm: dict[str, Any], intent: dict[str, Any] | None = None) -> None:
    """A method that paid without a customer may not pay again. One the payment was saving
    (``setup_future_usage``) may still be attached to a customer afterwards, as Stripe
    allows; until it is, it cannot pay again either (unverified; the safer reading)."""
    if pm["customer"] is not None:
        return
    saving = intent is not None and bool(intent.get("setup_future_usage"))
    sb.private[pm["id"]][methods.AWAITING_CUSTOMER if saving else "consumed"] = True


# -- payment intents ------------------------------------------------------------------


def start(sb: Sandbox, intent: dict[str, Any], pm: dict[str, Any], attempt: Attempt):
    """Confirm ``intent`` with ``pm``: challenge, decline, processing or success.

    Returns the decline (the caller answers 402) or None.
    """
    behaviour = sb.private[pm["id"]]["behaviour"]
    sb.private[intent["id"]]["attempt"] = attempt
    if needs_authentication(sb, pm):
        if attempt.off_session:
            return fail(sb, intent, pm, cards.AUTHENTICATION_REQUIRED)
        intent["status"] = "requires_action"
        intent["next_action"] = next_action(intent, attempt, behaviour.three_d_secure == "redirect")
        sb.emit("payment_intent.requires_action", intent)
        return None
    return pay(sb, intent, pm, authenticated=False)


def pay(sb: Sandbox, intent: dict[str, Any], pm: dict[str, Any], *, authenticated: bool):
    """Charge the card; returns the decline, if any."""
    behaviour = sb.private[pm["id"]]["behaviour"]
    decline = behaviour.decline or (authenticated and behaviour.decline_after_authentication)
    if decline:
        return fail(sb, intent, pm, decline, authenticated=authenticated)
    intent["next_action"] = None
    if behaviour.processing:
        charge = charges.build(sb, intent, pm, status="pending", authenticated=authenticated)
        intent.update(status="processing", latest_charge=charge["id"],
                      processing={"card": {}, "type": "card"})
        _use_up(sb, pm, intent)
        sb.emit("charge.pending", charge)
        sb.emit("payment_intent.processing", intent)
        sb.schedule(sb.processing_delay, settle, sb, intent["id"], "succeeded")
        return None
    manual = intent["capture_method"] == "manual"
    charge = charges.build(sb, intent, pm, status="succeeded", captured=not manual,
                           authenticated=authenticated)
    intent["latest_charge"] = charge["id"]
    sb.emit("charge.succeeded", charge)
    _succeed(sb, intent, pm, charge, authenticated)
    return None


def _succeed(sb, intent, pm, charge, authenticated: bool) -> None:
    if intent["capture_method"] == "manual":
        intent.update(status="requires_capture", amount_capturable=intent["amount"])
        sb.emit("payment_intent.amount_capturable_updated", intent)
    else:
        intent.update(status="succeeded", amount_received=intent["amount"], processing=None)
        sb.emit("payment_intent.succeeded", intent)
    if intent.get("setup_future_usage"):
        if authenticated or not needs_authentication(sb, pm):
            sb.private[pm["id"]]["set_up"] = True
        if intent.get("customer") and pm["customer"] is None:
            pm["customer"] = intent["customer"]
            sb.emit("payment_method.attached", pm)
    _use_up(sb, pm, intent)
    _dispute_if_due(sb, intent, charge)


def captured(sb: Sandbox, intent: dict[str, Any], charge: dict[str, Any]) -> None:
    """What follows the capture of an authorised (manual-capture) payment."""
    _dispute_if_due(sb, intent, charge)


def _dispute_if_due(sb: Sandbox, intent: dict[str, Any], charge: dict[str, Any]) -> None:
    # Card 0259's bank disputes money that has moved: once the payment succeeds, which
    # under manual capture is at capture, not at authorisation.
    behaviour = sb.private[charge["payment_method"]]["behaviour"]
    if behaviour.dispute and intent["status"] == "succeeded":
        disputes.open_dispute(sb, charge, "fraudulent")


def fail(sb, intent, pm, decline: cards.Decline, *, authenticated: bool = False):
    charge = charges.build(sb, intent, pm, status="failed", decline=decline,
                           authenticated=authenticated)
    # As at Stripe, a failed attempt lets go of its payment method: it is named only in
    # last_payment_error, and the next confirm must bring one.
    intent.update(status="requires_payment_method", latest_charge=charge["id"],
                  next_action=None, processing=None, payment_method=None,
                  last_payment_error=_payment_error(decline, charge["id"], pm))
    _use_up(sb, pm)
    sb.emit("charge.failed", charge)
    sb.emit("payment_intent.payment_failed", intent)
    return decline


def settle(sb: Sandbox, intent_id: str, outcome: str) -> None:
    """Finish a ``processing`` payment (the clock or the control API calls this)."""
    intent = sb.objects.get(intent_id)
    if intent is None or intent.get("status") != "processing":
        return
    charge = sb.objects[intent["latest_charge"]]
    pm = sb.objects[intent["payment_method"]]
    if outcome == "succeeded":
        charge.update(status="succeeded", paid=True, captured=True,
                      amount_captured=charge["amount"], balance_transaction=sb.new_id("txn"),
                      outcome=charges.outcome(None))
        sb.emit("charge.succeeded", charge)
        _succeed(sb, intent, pm, charge, authenticated=False)
        return
    decline = cards.GENERIC
    charge.update(status="failed", failure_code=decline.code, failure_message=decline.message,
                  outcome=charges.outcome(decline))
    intent.update(status="requires_payment_method", processing=None, payment_method=None,
                  last_payment_error=_payment_error(decline, charge["id"], pm))
    sb.emit("charge.failed", charge)
    sb.emit("payment_intent.payment_failed", intent)


# -- 3-D Secure decisions -------------------------------------------------------------


def authenticate(sb: Sandbox, intent: dict[str, Any], complete: bool) -> None:
    """The customer completed or failed the challenge of a ``requires_action`` intent."""
    if intent["status"] != "requires_action":
        raise StripeError(
            400, f"This {intent['object'].replace('_', ' ')} is not awaiting authentication "
            f"(its status is {intent['status']}).", code=f"{intent['object']}_unexpected_state")
    pm = sb.objects[intent["payment_method"]]
    if intent["object"] == "setup_intent":
        from .resources import setup_intents

        if complete:
            setup_intents.finish(sb, intent, pm, authenticated=True)
        else:
            setup_intents.fail(sb, intent, pm, {
                "type": "invalid_request_error", "code": "setup_intent_authentication_failure",
                "message": SETUP_AUTH_FAILED_MESSAGE, "payment_method": copy.deepcopy(pm)})
        return
    if complete:
        pay(sb, intent, pm, authenticated=True)
        return
    error = {
        "type": "invalid_request_error", "code": "payment_intent_authentication_failure",
        "doc_url": doc_url("payment_intent_authentication_failure"),
        "message": AUTH_FAILED_MESSAGE, "payment_method": copy.deepcopy(pm)}
    intent.update(status="requires_payment_method", next_action=None, payment_method=None,
                  last_payment_error=error)
    sb.emit("payment_intent.payment_failed", intent)


def redirect_status(intent: dict[str, Any]) -> str:
    status = intent["status"]
    if status in ("succeeded", "requires_capture"):
        return "succeeded"
    return "processing" if status == "processing" else "failed"

