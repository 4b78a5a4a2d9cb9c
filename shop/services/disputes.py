"""Disputes (chargebacks and inquiries), opened by the cardholder's bank at Stripe.

`sync_dispute` takes Stripe's object, as `refunds.sync_refund` does, and is safe to
call any number of times from webhooks or reconcile. The order shows the dispute
that matters most; `Order.charged_back` refuses a refund while one takes the money
back, and a dispute won puts a refund it made fail back in the admin's hands
(`failed_refunds`).
"""

from datetime import UTC, datetime

from shop.extensions import db
from shop.models import OPEN_DISPUTE_STATUSES, Dispute, Order
from shop.services import failed_refunds, orders
from shop.services.refunds import order_and_payment

# A dispute ends won or lost (or, for an inquiry, warning_closed) and stays so.
_DISPUTE_ENDED = {"won", "lost", "warning_closed"}


def sync_dispute(dispute: dict, *, stripe_event_id: str | None = None) -> Dispute | None:
    """Store Stripe's dispute on its order and show its status there; None, as for
    `sync_refund`, if the shop holds no payment for its intent."""
    found = order_and_payment(dispute.get("payment_intent"))
    if found is None:
        return None
    order = orders.lock_order(found[0].id)
    row = db.session.execute(
        db.select(Dispute).where(Dispute.stripe_dispute_id == dispute["id"])
    ).scalar_one_or_none()
    if row is None:
        row = Dispute(order_id=order.id, payment_id=found[1].id, stripe_dispute_id=dispute["id"])
        db.session.add(row)
    _copy_dispute(row, dispute)
    db.session.flush()
    order.dispute_status = _dispute_status(order)
    orders.record(
        order,
        "dispute",
        f"Dispute {row.status.replace('_', ' ')} "
        f"({row.reason or 'no reason given'}) for "
        f"{orders.money_text(row.amount_minor, order)}.",
        actor="stripe",
        key=f"dispute:{row.stripe_dispute_id}:{row.status}",
        stripe_event_id=stripe_event_id,
    )
    failed_refunds.owed_after_dispute(order, stripe_event_id)
    db.session.flush()
    return row


# Of an order's disputes (an inquiry may be followed by a chargeback), the one it shows:
# one still open first, then the outcome that cost the most. A rank, not the latest,
# since events about an older dispute can land after a newer one's.
_DISPUTE_RANK = [*OPEN_DISPUTE_STATUSES, "lost", "won", "warning_closed"]


def _dispute_status(order: Order) -> str | None:
    statuses = db.session.execute(
        db.select(Dispute.status).where(Dispute.order_id == order.id)
    ).scalars().all()
    known = len(_DISPUTE_RANK)
    return min(statuses, default=None,
               key=lambda s: _DISPUTE_RANK.index(s) if s in _DISPUTE_RANK else known)


def _copy_dispute(row: Dispute, dispute: dict) -> None:
    row.amount_minor = dispute["amount"]
    row.currency = dispute["currency"]
    row.reason = dispute.get("reason")
    if row.status not in _DISPUTE_ENDED or dispute["status"] in _DISPUTE_ENDED:
        row.status = dispute["status"]
    row.evidence_due_by = _from_timestamp((dispute.get("evidence_details") or {}).get("due_by"))


def _from_timestamp(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None
