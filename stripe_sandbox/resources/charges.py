"""Charges: built by the payment engine, retrieved and listed here."""

from __future__ import annotations

import copy
from typing import Any

from ..cards import Decline
from ..params import LIST_PARAMS, STR
from ..routing import Call, endpoint
from ..state import Sandbox

_APPROVED = {
    "advice_code": None,
    "network_advice_code": None,
    "network_decline_code": None,
    "network_status": "approved_by_network",
    "reason": None,
    "risk_level": "normal",
    "risk_score": 32,
    "seller_message": "Payment complete.",
    "type": "authorized",
}


def outcome(decline: Decline | None) -> dict[str, Any]:
    if decline is None:
        return dict(_APPROVED)
    return {
        **_APPROVED,
        "network_status": "declined_by_network",
        "reason": decline.decline_code,
        "seller_message": "The bank did not return any further details with this decline.",
        "type": "issuer_declined",
    }


def _card_details(pm: dict[str, Any], amount: int, authenticated: bool) -> dict[str, Any]:
    card = pm["card"]
    three_d_secure = None
    if authenticated:
        three_d_secure = {
            "authentication_flow": "challenge",
            "electronic_commerce_indicator": "05",
            "exemption_indicator": None,
            "result": "authenticated",
            "result_reason": None,
            "transaction_id": None,
            "version": "2.2.0",
        }
    return {
        "amount_authorized": amount,
        "authorization_code": None,
        "brand": card["brand"],
        "checks": dict(card["checks"]),
        "country": card["country"],
        "exp_month": card["exp_month"],
        "exp_year": card["exp_year"],
        "extended_authorization": {"status": "disabled"},
        "fingerprint": card["fingerprint"],
        "funding": card["funding"],
        "incremental_authorization": {"status": "unavailable"},
        "installments": None,
        "last4": card["last4"],
        "mandate": None,
        "multicapture": {"status": "unavailable"},
        "network": card["brand"],
        "network_token": {"used": False},
        "network_transaction_id": None,
        "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
        "regulated_status": card.get("regulated_status"),
        "three_d_secure": three_d_secure,
        "transaction_link_id": None,
        "wallet": None,
    }


def build(
    sb: Sandbox, intent: dict[str, Any], pm: dict[str, Any], *, status: str,
    decline: Decline | None = None, captured: bool = False, authenticated: bool = False,
) -> dict[str, Any]:
    """Store a charge for ``intent`` paid with ``pm``."""
    charge_id = sb.new_id("ch")
    succeeded = status == "succeeded"
    charge = {
        "id": charge_id,
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": intent["amount"] if succeeded and captured else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": sb.new_id("txn") if succeeded and captured else None,
        "billing_details": copy.deepcopy(pm["billing_details"]),
        "calculated_statement_descriptor": "SANDBOX SHOP",
        "captured": succeeded and captured,
        "created": sb.now(),
        "currency": intent["currency"],
        "customer": intent.get("customer"),
        "description": intent.get("description"),
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": decline.code if decline else None,
        "failure_message": decline.message if decline else None,
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(intent.get("metadata") or {}),
        "on_behalf_of": None,
        "outcome": outcome(decline) if status != "pending" else None,
        "paid": succeeded,
        "payment_intent": intent["id"],
        "payment_method": pm["id"],
        "payment_method_details": {
            "card": _card_details(pm, intent["amount"], authenticated),
            "type": "card",
        },
        "receipt_email": intent.get("receipt_email"),
        "receipt_number": None,
        "receipt_url": None,  # the sandbox renders no receipts
        "refunded": False,
        "refunds": {"object": "list", "data": [], "has_more": False, "total_count": 0,
                    "url": f"/v1/charges/{charge_id}/refunds"},
        "review": None,
        "shipping": copy.deepcopy(intent.get("shipping")),
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": status,
        "transfer_data": None,
        "transfer_group": None,
    }
    return sb.add(charge)


def sync_refunds(sb: Sandbox, charge: dict[str, Any]) -> None:
    """Refresh the charge's embedded refund list and refunded totals."""
    refunds = [sb.objects[rid] for rid in reversed(sb.by_type["refund"])
               if sb.objects[rid]["charge"] == charge["id"]]
    counted = sum(r["amount"] for r in refunds if r["status"] in ("succeeded", "pending"))
    charge["amount_refunded"] = counted
    charge["refunded"] = counted >= charge["amount_captured"] > 0
    charge["refunds"] = {**charge["refunds"], "data": copy.deepcopy(refunds[:10]),
                         "has_more": len(refunds) > 10, "total_count": len(refunds)}


@endpoint("/charges/<charge_id>", "GET", {})
def retrieve(sb: Sandbox, call: Call, charge_id: str) -> dict[str, Any]:
    return sb.get("charge", charge_id)


@endpoint("/charges", "GET", {**LIST_PARAMS, "customer": STR, "payment_intent": STR})
def list_all(sb: Sandbox, call: Call) -> dict[str, Any]:
    wanted = {key: call.params[key] for key in ("customer", "payment_intent")
              if call.params.get(key)}
    return sb.list_objects(
        "charge", call.params, "/v1/charges",
        lambda charge: all(charge[key] == value for key, value in wanted.items()),
    )
