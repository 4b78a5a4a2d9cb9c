"""Reconcile: ask Stripe again about everything that may have changed.

Webhooks get lost; processes die between Stripe saying yes and the shop writing
it down. Reconcile re-reads intents, refunds and disputes and feeds them through
the same sync functions, so running it twice changes nothing the second time.
"""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import or_

from shop.extensions import db
from shop.models import (
    OPEN_DISPUTE_STATUSES,
    PENDING_REFUND_STATUSES,
    Order,
    OrderStatus,
    Payment,
    Refund,
)
from shop.services import disputes, orders, payments, refunds, stripe_client

S = OrderStatus
# Orders whose story is not over, whatever their age: still to be paid, a dispute
# still open, or a refund still pending. Each is re-read in full.
UNSETTLED = or_(
    Order.status.in_((S.PENDING.value, S.PROCESSING.value)),
    Order.dispute_status.in_(OPEN_DISPUTE_STATUSES),
    Order.id.in_(
        db.select(Refund.order_id).where(Refund.status.in_(PENDING_REFUND_STATUSES))
    ),
)


def _state(order: Order) -> tuple:
    refund_statuses = dict(
        db.session.execute(
            db.select(Refund.stripe_refund_id, Refund.status).where(Refund.order_id == order.id)
        ).tuples().all()
    )
    return (order.status, order.amount_refunded_minor, order.dispute_status), refund_statuses


def _describe(order: Order, before: tuple) -> str | None:
    """What changed, in words, e.g. "A1B2: paid → partially refunded, refunded $0.00 →
    $5.00, refund re_1 pending → succeeded".

    A refund can change with nothing else (pending → failed leaves the order as it
    was), so the order's refunds are compared too."""
    ((status, refunded, dispute), refunds_before), ((status_now, refunded_now, dispute_now),
                                                    refunds_after) = before, _state(order)
    changes = []
    if status != status_now:
        changes.append(f"{_words(status)} → {_words(status_now)}")
    if refunded != refunded_now:
        changes.append(f"refunded {orders.money_text(refunded, order)} →"
                       f" {orders.money_text(refunded_now, order)}")
    if dispute != dispute_now:
        changes.append(f"dispute {_words(dispute)} → {_words(dispute_now)}")
    for refund_id, refund_status in refunds_after.items():
        was = refunds_before.get(refund_id)
        if was is None:
            changes.append(f"refund {refund_id} {_words(refund_status)} (new)")
        elif was != refund_status:
            changes.append(f"refund {refund_id} {_words(was)} → {_words(refund_status)}")
    return f"{order.number}: " + ", ".join(changes) if changes else None


def _words(status: str | None) -> str:
    return status.replace("_", " ") if status else "none"


class Skipped(str):
    """A line about something reconcile could not re-read, as opposed to a change."""


def reconcile_order(order: Order) -> list[str]:
    """Re-sync one order's intents, refunds and disputes from Stripe."""
    before = _state(order)
    intent_ids = (
        db.session.execute(
            db.select(Payment.intent_id).where(Payment.order_id == order.id).order_by(Payment.id)
        )
        .scalars()
        .all()
    )
    missing = []
    for intent_id in intent_ids:
        try:
            intent = stripe_client.retrieve_payment_intent(intent_id)
        except stripe_client.NotFound:
            # Left as it is (expiry gives a pending order's stock back); one order whose
            # intent Stripe forgot must not stop the run for every order after it.
            missing.append(f"{order.number}: Stripe has no payment {intent_id}; left as it is.")
            continue
        payments.sync_payment(intent, source="reconcile")
        for refund in stripe_client.list_refunds(payment_intent=intent_id):
            refunds.sync_refund(refund)
        for dispute in stripe_client.list_disputes(payment_intent=intent_id):
            disputes.sync_dispute(dispute)
    db.session.refresh(order)
    change = _describe(order, before)
    return [Skipped(text) for text in missing] + ([change] if change else [])


def _tracked(order: Order | None, sync) -> str | None:
    """Run `sync()` and say how it changed `order`, if at all."""
    if order is None:
        return None
    before = _state(order)
    sync()
    db.session.refresh(order)
    return _describe(order, before)


def reconcile(since: datetime) -> Iterator[str | None]:
    """Yield, one unit at a time, how it changed an order, or None if it did not.

    The caller commits after each unit: syncing locks the order, and no order should
    stay locked while Stripe is asked about the next one.
    """
    created = {"gte": int(since.timestamp())}
    open_orders = (
        db.session.execute(db.select(Order).where(UNSETTLED).order_by(Order.id)).scalars().all()
    )
    for order in open_orders:
        yield from reconcile_order(order) or [None]
    # Intents the shop may never have heard back about (lost webhooks, crashes).
    for intent in stripe_client.list_payment_intents(created=created):
        yield _tracked(
            payments.order_for_intent(intent),
            lambda i=intent: payments.sync_payment(
                stripe_client.retrieve_payment_intent(i["id"]), source="reconcile"
            ),
        )
    for refund in stripe_client.list_refunds(created=created):
        order = payments.order_for_intent({"id": refund.get("payment_intent") or ""})
        yield _tracked(order, lambda r=refund: refunds.sync_refund(r))
    for dispute in stripe_client.list_disputes(created=created):
        order = payments.order_for_intent({"id": dispute.get("payment_intent") or ""})
        yield _tracked(order, lambda d=dispute: disputes.sync_dispute(d))
