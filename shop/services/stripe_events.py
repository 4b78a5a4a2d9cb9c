"""Webhook handlers for payments, refunds and disputes.

Each re-reads the object from Stripe (events are late, duplicated, out of order)
and applies it through the same services as the pages. The one shortcut: an event
about a PaymentIntent the shop already holds as succeeded or canceled, the states
an intent never leaves, has nothing left to apply and is not re-read.

A refund or dispute can arrive before the shop holds the payment it is about: its
intent is then synced first, as its own event would sync it.
"""

from shop.models import OrderStatus
from shop.services import disputes, orders, payment_records, payments, refunds, stripe_client
from shop.services.webhooks import handler

PAYMENT_EVENTS = (
    "payment_intent.succeeded",
    "payment_intent.processing",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.requires_action",
    "payment_intent.amount_capturable_updated",
)


@handler(*PAYMENT_EVENTS)
def on_payment_intent(event: dict) -> str:
    snapshot = event["data"]["object"]
    known = payment_records.known_payment(snapshot["id"])
    if event["type"] != "payment_intent.payment_failed" and known and known.settled:
        # Already applied in a final state that Stripe never leaves: whatever Stripe
        # says of this intent now, syncing it would change nothing. (A late failure
        # still goes on the timeline, below.)
        return "processed"
    intent = stripe_client.retrieve_payment_intent(snapshot["id"])
    order = payments.sync_payment(intent, source="webhook", stripe_event_id=event["id"],
                                  order_id=known.order_id if known else None)
    if order is None:
        return "ignored"
    if event["type"] == "payment_intent.payment_failed" and isinstance(
        snapshot.get("last_payment_error"), dict
    ):
        # The attempt happened even if Stripe has moved on since; it belongs on the timeline.
        payment_records.record_failure(order, snapshot, stripe_event_id=event["id"])
        if order.status != OrderStatus.PENDING:
            orders.record(
                order,
                "late_failure",
                f"A late payment failure arrived while the order was "
                f"{order.status.replace('_', ' ')}; nothing changed.",
                actor="stripe",
                key=f"late:{event['id']}",
                stripe_event_id=event["id"],
            )
    return "processed"


@handler("charge.refunded")
def on_charge_refunded(event: dict) -> str:
    intent_id = event["data"]["object"].get("payment_intent")
    if not isinstance(intent_id, str) or not intent_id:
        return "ignored"
    listed = stripe_client.list_refunds(payment_intent=intent_id)
    if listed:
        _hold_payment(intent_id, event)
    synced = [refunds.sync_refund(r, stripe_event_id=event["id"]) for r in listed]
    return "processed" if any(synced) else "ignored"


@handler("refund.created", "refund.updated", "refund.failed")
def on_refund(event: dict) -> str:
    refund = stripe_client.retrieve_refund(event["data"]["object"]["id"])
    _hold_payment(refund.get("payment_intent"), event)
    return "processed" if refunds.sync_refund(refund, stripe_event_id=event["id"]) else "ignored"


@handler(
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
)
def on_dispute(event: dict) -> str:
    dispute = stripe_client.retrieve_dispute(event["data"]["object"]["id"])
    _hold_payment(dispute.get("payment_intent"), event)
    return "processed" if disputes.sync_dispute(dispute, stripe_event_id=event["id"]) else "ignored"


def _hold_payment(intent_id: object, event: dict) -> None:
    """Sync the intent a refund or dispute is about if the shop holds no payment for it.

    The shop writes a payment's row before any money moves, but a database restored
    from a backup taken before that has lost it; and Stripe delivers a payment's
    refunds and disputes in no set order with its `payment_intent.succeeded`.
    Answered "ignored", such an event would never come again. `sync_payment` applies
    the intent only to the order it belongs to (its metadata, amount and currency),
    under that order's lock, as the payment's own event would: whichever of the two
    comes second finds the payment there. The intent is read before the lock is taken.
    """
    if not isinstance(intent_id, str) or not intent_id or payment_records.known_payment(intent_id):
        return
    intent = stripe_client.retrieve_payment_intent(intent_id)
    payments.sync_payment(intent, source="webhook", stripe_event_id=event["id"])
