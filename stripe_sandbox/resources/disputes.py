"""Disputes: opened by the bank (card 0259 or the control API), retrieved and listed."""

from __future__ import annotations

from typing import Any

from ..params import LIST_PARAMS, STR
from ..routing import Call, endpoint
from ..state import Sandbox

EVIDENCE_FIELDS = [
    "access_activity_log", "billing_address", "cancellation_policy",
    "cancellation_policy_disclosure", "cancellation_rebuttal", "customer_communication",
    "customer_email_address", "customer_name", "customer_purchase_ip", "customer_signature",
    "duplicate_charge_documentation", "duplicate_charge_explanation", "duplicate_charge_id",
    "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
    "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address",
    "shipping_carrier", "shipping_date", "shipping_documentation", "shipping_tracking_number",
    "uncategorized_file", "uncategorized_text",
]
RESPONSE_DAYS = 7


def open_dispute(sb: Sandbox, charge: dict[str, Any], reason: str = "fraudulent"):
    """Open a dispute on a charge, as the cardholder's bank would."""
    now = sb.now()
    card = charge["payment_method_details"]["card"]
    dispute = {
        "id": sb.new_id("du"),
        "object": "dispute",
        "amount": charge["amount_captured"] or charge["amount"],
        "balance_transactions": [],
        "charge": charge["id"],
        "created": now,
        "currency": charge["currency"],
        "enhanced_eligibility_types": [],
        "evidence": {**dict.fromkeys(EVIDENCE_FIELDS), "enhanced_evidence": {}},
        "evidence_details": {
            "due_by": now + RESPONSE_DAYS * 86400,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "payment_method_details": {
            "card": {"brand": card["brand"], "case_type": "chargeback",
                     "network_reason_code": "10.4" if reason == "fraudulent" else "13.1",
                     "network": card["network"]},
            "type": "card",
        },
        "reason": reason,
        "status": "needs_response",
    }
    sb.add(dispute)
    charge["disputed"] = True
    sb.emit("charge.dispute.created", dispute)
    return dispute


def close_dispute(sb: Sandbox, dispute: dict[str, Any], status: str) -> dict[str, Any]:
    """The bank decides: ``won`` or ``lost``; emits ``.updated`` then ``.closed``."""
    previous = {"status": dispute["status"]}
    dispute["status"] = status
    dispute["evidence_details"] = {**dispute["evidence_details"], "past_due": False}
    sb.emit("charge.dispute.updated", dispute, previous)
    sb.emit("charge.dispute.closed", dispute)
    return dispute


@endpoint("/disputes/<dispute_id>", "GET", {})
def retrieve(sb: Sandbox, call: Call, dispute_id: str) -> dict[str, Any]:
    return sb.get("dispute", dispute_id, param="dispute")


@endpoint("/disputes", "GET", {**LIST_PARAMS, "charge": STR, "payment_intent": STR})
def list_all(sb: Sandbox, call: Call) -> dict[str, Any]:
    wanted = {key: call.params[key] for key in ("charge", "payment_intent")
              if call.params.get(key)}
    return sb.list_objects(
        "dispute", call.params, "/v1/disputes",
        lambda dispute: all(dispute[key] == value for key, value in wanted.items()),
    )
