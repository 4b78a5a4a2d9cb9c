"""Refunds that failed at Stripe after they were made: what the admin is told, and
who now owes the customer the money.

Stripe puts a failed refund's amount back in the account's balance, so the customer
has not had it. Usually the shop must pay them another way, and an admin marks the
refund so once done. A refund that failed because its payment was disputed is the
dispute's to decide while it is open or once it is lost (the chargeback returns the
money); if the shop wins it, the money stayed with the shop, and the customer is owed
the refund again.
"""

from shop.models import DISPUTE_KEPT_STATUSES, Order, Refund, User
from shop.services import orders
from shop.services.orders import OrderError

# Stripe's reasons a refund failed, as the admin reads them on the order's timeline.
FAILURE_REASONS = {
    "lost_or_stolen_card": "the card was reported lost or stolen",
    "expired_or_canceled_card": "the card has expired or was cancelled",
    "charge_for_pending_refund_disputed": "the payment was disputed while the refund was pending",
    "declined": "the card's bank declined it",
    "insufficient_funds": "the Stripe balance could not cover it",
    "merchant_request": "it was cancelled on request",
}

# The payment was disputed while its refund was pending: the dispute now decides whether
# the customer gets the money, so paying them another way could pay them twice.
DISPUTED_WHILE_PENDING = "charge_for_pending_refund_disputed"

# The timeline entry's kind for a failed refund an admin paid back outside Stripe.
SETTLED_ELSEWHERE = "refund_settled_elsewhere"
# The timeline entry's kind for a refund owed again once its dispute was won.
OWED_AFTER_DISPUTE = "refund_owed"


def failure_text(row: Refund, order: Order) -> str:
    """What the admin needs to know: why, and what to do about the money."""
    why = FAILURE_REASONS.get(row.failure_reason or "", "Stripe gave no reason")
    text = (f"Refund of {orders.money_text(row.amount_minor, order)} failed: {why}. The amount"
            " is back in the Stripe balance;")
    if left_to_dispute(order, row):
        return (f"{text} the dispute now decides whether the customer gets it, so do not"
                " refund them another way.")
    if row.failure_reason == DISPUTED_WHILE_PENDING:  # told after the shop won the dispute
        return (f"{text} the shop kept the money when the dispute ended, so refund the"
                " customer again, or another way.")
    return f"{text} refund the customer another way."


def left_to_dispute(order: Order, refund: Refund) -> bool:
    """The refund failed as its payment was disputed, and that dispute has not ended
    with the money kept by the shop (it is open, was lost, or has not reached the shop
    yet): the dispute decides whether the customer gets the money."""
    return (refund.failure_reason == DISPUTED_WHILE_PENDING
            and order.dispute_status not in DISPUTE_KEPT_STATUSES)


def settled_elsewhere_key(stripe_refund_id: str) -> str:
    """The timeline key of an admin's word that a failed refund was paid back outside
    Stripe (`reports` builds the same key in SQL)."""
    return f"refund:{stripe_refund_id}:settled"


def mark_settled_elsewhere(order: Order, refund: Refund, *, by: User) -> bool:
    """Put on the order's timeline that `by` paid a failed refund's amount back outside
    Stripe (bank transfer, cash), so that it no longer needs attention. True if written,
    False if it was marked before. No amount changes: no money moved through Stripe.

    Raises OrderError for a refund that did not fail, or whose dispute decides it.
    """
    if refund.status != "failed":
        raise OrderError("Only a failed refund can be marked as refunded another way; Stripe"
                         f" reports refund {refund.stripe_refund_id}"
                         f" {refund.status.replace('_', ' ')}.")
    if order.charged_back:
        raise OrderError("This payment is charged back (see Disputes): the dispute decides"
                         " whether the customer gets the money, so it is not refunded another"
                         " way.")
    if left_to_dispute(order, refund):
        raise OrderError(f"Refund {refund.stripe_refund_id} failed as its payment was disputed:"
                         " the dispute decides whether the customer gets the money, so it is"
                         " not refunded another way.")
    return orders.record(
        order,
        SETTLED_ELSEWHERE,
        f"Refund of {orders.money_text(refund.amount_minor, order)} marked as refunded another"
        f" way, outside Stripe, by {by.email}.",
        actor=by.email,
        actor_user=by,
        key=settled_elsewhere_key(refund.stripe_refund_id),
    )


def owed_after_dispute(order: Order, stripe_event_id: str | None) -> None:
    """Once the order's dispute has ended with the money kept by the shop, tell the
    admin (once) of each refund that dispute made fail: the customer never had it."""
    if order.dispute_status not in DISPUTE_KEPT_STATUSES:
        return
    ended = ("was won" if order.dispute_status == "won"
             else "was closed without a chargeback")
    for refund in order.refunds:
        if refund.status == "failed" and refund.failure_reason == DISPUTED_WHILE_PENDING:
            orders.record(
                order,
                OWED_AFTER_DISPUTE,
                f"The dispute {ended}, so the refund of"
                f" {orders.money_text(refund.amount_minor, order)} ({refund.stripe_refund_id})"
                " that failed when the payment was disputed never reached the customer:"
                " refund them again, or another way.",
                actor="stripe",
                key=f"refund:{refund.stripe_refund_id}:owed",
                stripe_event_id=stripe_event_id,
            )
