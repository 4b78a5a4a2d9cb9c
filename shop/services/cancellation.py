"""Cancelling pending orders, by an admin or when their reservation expires.

Stripe has the last word: each intent is read there first. One that succeeded or
is processing is synced instead of cancelled, so an order paid at the last
second ends paid, not cancelled; one still waiting for the customer is
cancelled at Stripe. An intent Stripe no longer has (test data deleted, other
keys) can take no money while that lasts: the order is cancelled anyway and the
admin told, rather than holding its stock for ever.
"""

from datetime import datetime

from shop.extensions import db
from shop.logs import log_event
from shop.models import Order, OrderStatus, Payment, utcnow
from shop.services import orders, payment_records, payments, stripe_client
from shop.services.orders import OrderError

S = OrderStatus


def cancel_order(
    order: Order,
    *,
    actor: str,
    reason: str = "requested_by_customer",
) -> Order:
    """Cancel a pending (or processing) order, its intents at Stripe first; releases stock.

    The order stays locked from before its intents are read until it is cancelled. A
    customer's Pay click creates an intent while holding the same lock, so it either
    lands before (and its intent is cancelled here) or after (and finds the order
    cancelled): no intent is left open for an order cancelled without it.
    """
    order = orders.lock_order(order.id)
    if order.status not in (S.PENDING, S.PROCESSING):
        raise OrderError(f"Only pending orders can be cancelled; this one is {order.status}.")
    open_payments = db.session.execute(
        db.select(Payment.intent_id, Payment.status).where(
            Payment.order_id == order.id, Payment.status.not_in(("succeeded", "canceled"))
        )
    ).tuples().all()
    for intent_id, known_status in open_payments:
        intent = _stop(order, intent_id, known_status, reason=reason)
        if intent is None:
            payments.note_missing(order, intent_id, source=actor)  # and the order cancelled
        else:
            # A cancelled intent's answer is enough to sync; no second call to Stripe.
            payments.sync_payment(intent, source=actor)
    if order.status in (S.PENDING, S.PROCESSING) and not _payment_in_flight(order):
        orders.transition(order, S.CANCELED, actor=actor, message=f"Order cancelled by {actor}.")
    log_event("order.cancel", order=order.number, outcome=order.status, actor=actor)
    return order


def _stop(order: Order, intent_id: str, known_status: str, *, reason: str) -> dict | None:
    """Cancel the intent at Stripe unless a payment is under way there; Stripe's intent
    after that, or None if Stripe has no such intent.

    Stripe also cancels a processing intent. The shop does so only when it already
    shows the payment as processing (an admin's deliberate cancel): one it has not
    heard of yet (a lost webhook, a closed tab) is synced instead, never stopped by
    expiry or by an admin who saw the order as still waiting for payment."""
    try:
        if known_status != "processing":
            intent = stripe_client.retrieve_payment_intent(intent_id)
            if intent["status"] not in payment_records.OPEN_INTENT:
                return intent
        try:
            return stripe_client.cancel_payment_intent(
                intent_id,
                key=stripe_client.idempotency_key("order", order.id, "cancel", intent_id),
                reason=reason,
            )
        except stripe_client.InvalidRequest:
            # Moved on at Stripe since it was read: take Stripe's word.
            return stripe_client.retrieve_payment_intent(intent_id)
    except stripe_client.NotFound:
        return None


def _payment_in_flight(order: Order) -> bool:
    return (
        db.session.execute(
            db.select(Payment.id).where(
                Payment.order_id == order.id, Payment.status.in_(("processing", "succeeded"))
            )
        ).first()
        is not None
    )


def expired_orders(now: datetime | None = None) -> list[Order]:
    now = now or utcnow()
    return list(
        db.session.execute(
            db.select(Order)
            .where(Order.status == S.PENDING.value, Order.reserved_until < now)
            .order_by(Order.reserved_until)
        ).scalars()
    )


def expire_order(order: Order) -> Order:
    """Cancel one pending order whose reservation ran out (the caller commits)."""
    try:
        return cancel_order(order, actor="expiry", reason="abandoned")
    except OrderError:
        return order  # paid or cancelled since it was found: nothing left to expire
