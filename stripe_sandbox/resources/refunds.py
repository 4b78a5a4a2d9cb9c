"""Refunds: create (full or partial), retrieve, list; test cards that go pending or fail."""

from __future__ import annotations

import copy
from typing import Any

from ..currencies import check_step, format_amount
from ..errors import StripeError, invalid
from ..params import INT, LIST_PARAMS, MAP, STR, Enum
from ..routing import Call, apply_metadata, endpoint
from ..state import Sandbox
from . import charges

SPEC = {
    "payment_intent": STR,
    "charge": STR,
    "amount": INT,
    "reason": Enum("duplicate", "fraudulent", "requested_by_customer"),
    "metadata": MAP,
}


def _charge_for(sb: Sandbox, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("charge"):
        return sb.get("charge", params["charge"], param="charge")
    if not params.get("payment_intent"):
        raise invalid(
            "One of the following params should be provided for this request: "
            "payment_intent or charge."
        )
    intent = sb.get("payment_intent", params["payment_intent"], param="payment_intent")
    charge = sb.objects.get(intent.get("latest_charge") or "")
    if charge is None or charge["status"] != "succeeded":
        raise invalid(
            f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
            param="payment_intent",
        )
    return charge


def _mark(sb: Sandbox, refund: dict[str, Any], **changes: Any) -> None:
    """Change a refund later on and tell the world (``refund.updated``)."""
    previous = {key: copy.deepcopy(refund.get(key)) for key in changes}
    refund.update(changes)
    charge = sb.objects[refund["charge"]]
    charges.sync_refunds(sb, charge)
    sb.emit("refund.updated", refund, previous)


def _settle(sb: Sandbox, refund_id: str) -> None:
    refund = sb.objects[refund_id]
    if refund["status"] == "pending":
        _mark(sb, refund, status="succeeded")


def _fail(sb: Sandbox, refund_id: str) -> None:
    refund = sb.objects[refund_id]
    if refund["status"] == "succeeded":
        _mark(sb, refund, status="failed", failure_reason="expired_or_canceled_card",
              failure_balance_transaction=sb.new_id("txn"))
        sb.emit("refund.failed", refund)


@endpoint("/refunds", "POST", SPEC)
def create(sb: Sandbox, call: Call) -> dict[str, Any]:
    params = call.params
    charge = _charge_for(sb, params)
    if charge["status"] != "succeeded" or not charge["captured"]:
        raise invalid(f"Charge {charge['id']} has not been captured and cannot be refunded; "
                      "cancel its PaymentIntent instead.", param="charge")
    if charge["disputed"] and any(
        obj.get("object") == "dispute" and obj["charge"] == charge["id"]
        and not obj["is_charge_refundable"] for obj in sb.objects.values()
    ):
        # A chargeback already takes the money back; Stripe refuses to refund it twice.
        raise StripeError(400, f"Charge {charge['id']} has been charged back; cannot issue a "
                          "refund.", code="charge_disputed")
    currency = charge["currency"]
    unrefunded = charge["amount_captured"] - charge["amount_refunded"]
    amount = params.get("amount")
    if amount is None:
        if unrefunded <= 0:
            raise StripeError(400, f"Charge {charge['id']} has already been refunded.",
                              code="charge_already_refunded")
        amount = unrefunded
    if amount <= 0:
        raise invalid("Invalid positive integer", param="amount")
    check_step(amount, currency)
    if amount > unrefunded:
        raise invalid(
            f"Refund amount ({format_amount(amount, currency)}) is greater than unrefunded "
            f"amount on charge ({format_amount(unrefunded, currency)})", param="amount")
    behaviour = sb.private[charge["payment_method"]]["behaviour"]
    refund = {
        "id": sb.new_id("re"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": sb.new_id("txn"),
        "charge": charge["id"],
        "created": sb.now(),
        "currency": currency,
        "customer": charge["customer"],
        "customer_account": None,
        "destination_details": {
            "card": {"reference": None, "reference_status": "pending",
                     "reference_type": "acquirer_reference_number", "type": "refund"},
            "type": "card",
        },
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"],
        "reason": params.get("reason"),
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "pending" if behaviour.refund == "pending" else "succeeded",
        "transfer_reversal": None,
    }
    apply_metadata(refund, params.get("metadata") or {})
    sb.add(refund)
    charges.sync_refunds(sb, charge)
    sb.emit("refund.created", refund)
    sb.emit("charge.refunded", charge)
    if behaviour.refund == "pending":
        sb.schedule(sb.processing_delay, _settle, sb, refund["id"])
    else:
        reference = "".join(ch for ch in refund["id"][3:] if ch.isalnum()).upper()[:23]
        _mark(sb, refund, destination_details={**refund["destination_details"], "card": {
            **refund["destination_details"]["card"], "reference": reference,
            "reference_status": "available"}})
        if behaviour.refund == "fail":
            sb.schedule(sb.processing_delay, _fail, sb, refund["id"])
    return refund


@endpoint("/refunds/<refund_id>", "GET", {})
def retrieve(sb: Sandbox, call: Call, refund_id: str) -> dict[str, Any]:
    return sb.get("refund", refund_id)


@endpoint("/refunds", "GET", {**LIST_PARAMS, "charge": STR, "payment_intent": STR})
def list_all(sb: Sandbox, call: Call) -> dict[str, Any]:
    wanted = {key: call.params[key] for key in ("charge", "payment_intent")
              if call.params.get(key)}
    return sb.list_objects(
        "refund", call.params, "/v1/refunds",
        lambda refund: all(refund[key] == value for key, value in wanted.items()),
    )
