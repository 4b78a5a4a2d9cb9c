"""Refunds: asked for here or made in the Stripe Dashboard, they land once.

`sync_refund` takes Stripe's object (never the webhook's word alone) and is safe to
call any number of times from the admin page, the CLI, webhooks or reconcile.
Disputes, which refuse a refund while they charge the payment back, are in
`disputes`.
"""

import re

from shop.extensions import db
from shop.logs import log_event
from shop.models import Order, OrderStatus, Payment, Refund, User
from shop.money import MoneyError, check_steps
from shop.services import accounts, failed_refunds, orders, stripe_client
from shop.services.orders import OrderError

S = OrderStatus
REASONS = ("requested_by_customer", "duplicate", "fraudulent")
REFUNDABLE = (S.PAID, S.PARTIALLY_REFUNDED)


def paid_payment(order: Order) -> Payment | None:
    return (
        db.session.execute(
            db.select(Payment)
            .where(Payment.order_id == order.id, Payment.status == "succeeded")
            .order_by(Payment.id.desc())
        )
        .scalars()
        .first()
    )


class RefundAmountError(OrderError):
    """An amount this order cannot refund; the message belongs beside the amount."""


class FormAlreadyUsed(OrderError):
    """The form made its refund before, for another amount: nothing new was asked for,
    and the refund it made is now stored."""

    def __init__(self, made: Refund, order: Order):
        super().__init__(
            "This form already asked for a refund of "
            f"{orders.money_text(made.amount_minor, order)} ({made.stripe_refund_id}), so"
            " nothing new was refunded. To refund more, use the form as it is now."
        )


# The metadata that names the form (or command run) that asked for a refund: a form's
# random hex key, or the command's `cli-<amount>-<run>`. Anything else is not ours.
REQUEST_KEY = "shop_request_key"
_REQUEST_KEY_FORMAT = re.compile(r"[0-9a-f]{32}|cli-[0-9]{1,12}-[0-9]{1,6}")


def request_refund(
    order: Order,
    amount_minor: int,
    reason: str | None,
    *,
    requested_by: User | None,
    request_key: str,
    left_seen: int | None = None,
) -> Refund:
    """Ask Stripe to refund `amount_minor` of the order's payment.

    `request_key` identifies one submitted form: submitting it twice refunds once.
    `left_seen` is what the form showed as left to refund: if a refund has been asked
    for since (another admin, another tab), the form is refused so that its admin
    sees it first. Stripe's own refusal is raised as a PaymentsError.
    """
    order = orders.lock_order(order.id)  # one refund request per order at a time
    payment = paid_payment(order)
    made = _made_by(order, payment, request_key, requested_by) if payment else None
    if made is not None:  # this form was sent before, and Stripe made its refund
        if made.amount_minor != amount_minor:
            raise FormAlreadyUsed(made, order)
        return made
    db.session.refresh(order, ["refunds"])  # as committed by whoever held the lock before
    check_request(order, amount_minor, reason, left_seen)
    if payment is None:
        raise OrderError("This order has no successful payment to refund.")
    who = requested_by.email if requested_by else "system"
    params = {
        "payment_intent": payment.intent_id,
        "amount": amount_minor,
        "metadata": {"order_id": str(order.id), "requested_by": who, REQUEST_KEY: request_key},
    }
    if reason:
        params["reason"] = reason
    refund = stripe_client.create_refund(
        key=stripe_client.idempotency_key("order", order.number, "refund", request_key),
        **params,
    )
    row = sync_refund(refund, requested_by=requested_by)
    log_event(
        "refund.create",
        order=order.number,
        refund=refund["id"],
        amount=amount_minor,
        outcome=refund["status"],
        actor=who,
    )
    return row


def check_request(order: Order, amount_minor: int, reason: str | None,
                  left_seen: int | None) -> None:
    """Raise the OrderError that asking for this refund now would meet before Stripe is
    asked; `request_refund` checks again under the order's lock."""
    if order.status not in REFUNDABLE:
        raise OrderError(f"Only paid orders can be refunded; this one is {order.status}.")
    if order.charged_back:
        raise OrderError(CHARGED_BACK)
    left = order.refundable_minor
    if left_seen is not None and left_seen != left:
        raise OrderError(
            "This order changed while its page was open: "
            f"{orders.money_text(left, order)} is left to refund now. "
            "Check its refunds and send the form again."
        )
    if reason is not None and reason not in REASONS:
        raise OrderError("Choose one of Stripe's refund reasons.")
    if amount_minor <= 0:
        raise RefundAmountError("The amount must be more than zero.")
    if amount_minor > left:
        raise RefundAmountError(f"Only {orders.money_text(left, order)} is left to refund.")
    try:
        check_steps(amount_minor, order.currency)
    except MoneyError as error:
        raise RefundAmountError(str(error)) from None


def stored_refund(order: Order, request_key: str) -> Refund | None:
    """The refund this form made, if the shop has heard of it (nothing asked of Stripe)."""
    return db.session.execute(
        db.select(Refund)
        .where(Refund.order_id == order.id, Refund.request_key == request_key)
        .order_by(Refund.id)
    ).scalars().first()


def _made_by(order: Order, payment: Payment, request_key: str,
             requested_by: User | None) -> Refund | None:
    """The refund this form (or command run) already made, if any.

    Stored if the shop has heard of it. Otherwise Stripe is asked: its answer may have
    been lost and the webhook not landed yet, or the form be sent again after Stripe
    has forgotten its idempotency key (24 hours), when asking again would refund twice.
    """
    stored = stored_refund(order, request_key)
    if stored is not None:
        return stored
    for refund in stripe_client.list_refunds(payment_intent=payment.intent_id):
        if _request_key(refund) == request_key:
            return sync_refund(refund, requested_by=requested_by)
    return None


CHARGED_BACK = ("This payment is charged back (see Disputes): Stripe does not refund it as"
                " well. Answer the dispute in the Stripe Dashboard.")


def order_and_payment(intent_id: str | None) -> tuple[Order, Payment] | None:
    if not intent_id:
        return None
    payment = db.session.execute(
        db.select(Payment).where(Payment.intent_id == intent_id)
    ).scalar_one_or_none()
    if payment is None:
        return None
    return db.session.get(Order, payment.order_id), payment


def sync_refund(
    refund: dict, *, requested_by: User | None = None, stripe_event_id: str | None = None
) -> Refund | None:
    """Store Stripe's refund and bring the order's refunded amount and status in line.

    None if the shop holds no payment for the refund's intent: sync the intent first.
    """
    found = order_and_payment(refund.get("payment_intent"))
    if found is None:
        return None
    order = orders.lock_order(found[0].id)
    payment = found[1]
    row = db.session.execute(
        db.select(Refund).where(Refund.stripe_refund_id == refund["id"])
    ).scalar_one_or_none()
    if row is None:
        # Its webhook may land before the admin's own request does: the refund's
        # metadata still names who asked.
        requested_by = requested_by or _requester(refund)
        row = Refund(
            order_id=order.id,
            payment_id=payment.id,
            stripe_refund_id=refund["id"],
            requested_by_id=requested_by.id if requested_by else None,
            request_key=_request_key(refund),
        )
        _copy_refund(row, refund)
        db.session.add(row)
        who = requested_by.email if requested_by else "Stripe Dashboard or API"
        orders.record(
            order,
            "refund_requested",
            f"Refund of {orders.money_text(refund['amount'], order)} requested by {who}.",
            actor=who,
            actor_user=requested_by,
            key=f"refund:{refund['id']}:created",
            stripe_event_id=stripe_event_id,
        )
    _copy_refund(row, refund)
    db.session.flush()
    if row.status in ("succeeded", "failed", "canceled"):
        failed = row.status == "failed"
        first_told = orders.record(
            order,
            f"refund_{row.status}",
            failed_refunds.failure_text(row, order) if failed
            else f"Refund of {orders.money_text(row.amount_minor, order)} {row.status}.",
            actor="stripe",
            key=f"refund:{row.stripe_refund_id}:{row.status}",
            stripe_event_id=stripe_event_id,
        )
        if failed and first_told:  # once, however often Stripe's copy is read again
            log_event("refund.failed", order=order.number, refund=row.stripe_refund_id,
                      amount=row.amount_minor, reason=row.failure_reason, event=stripe_event_id)
    settle_refunded_amount(order, payment, stripe_event_id)
    return row


# How far along Stripe's life of a refund a status is: a refund goes from pending (or
# requires_action) to succeeded, a succeeded one may still fail later, and failed and
# canceled are final. A snapshot older than the stored one (a create answered again
# from its idempotency key, a list read before a webhook committed) must not move a
# refund back.
_REFUND_STAGE = {"pending": 0, "requires_action": 0, "succeeded": 1, "failed": 2, "canceled": 2}


def _requester(refund: dict) -> User | None:
    """The shop's user whose email `request_refund` put in the refund's metadata."""
    email = (refund.get("metadata") or {}).get("requested_by")
    # Metadata is anyone's text: PostgreSQL refuses a NUL in a query's parameter.
    if not isinstance(email, str) or "@" not in email or "\x00" in email or len(email) > 254:
        return None
    return accounts.find_by_email(email)


def _request_key(refund: dict) -> str | None:
    """The key of the form that asked for the refund, from its metadata."""
    key = (refund.get("metadata") or {}).get(REQUEST_KEY)
    return key if isinstance(key, str) and _REQUEST_KEY_FORMAT.fullmatch(key) else None


def _copy_refund(row: Refund, refund: dict) -> None:
    row.amount_minor = refund["amount"]
    row.currency = refund["currency"]
    row.reason = refund.get("reason")
    stage = _REFUND_STAGE.get(refund["status"], 0)
    if row.status is None or stage >= _REFUND_STAGE.get(row.status, 0):
        row.status = refund["status"]
        row.failure_reason = refund.get("failure_reason")


def settle_refunded_amount(order: Order, payment: Payment, stripe_event_id: str | None) -> None:
    """Bring the order's refunded amount, and its status once paid, in line with the
    payment's succeeded refunds."""
    refunded = db.session.execute(
        db.select(db.func.coalesce(db.func.sum(Refund.amount_minor), 0)).where(
            Refund.payment_id == payment.id, Refund.status == "succeeded"
        )
    ).scalar_one()
    payment.amount_refunded_minor = min(refunded, payment.amount_minor)
    order.amount_refunded_minor = min(refunded, order.total_minor)
    if order.status not in (S.PAID, S.PARTIALLY_REFUNDED, S.REFUNDED):
        return
    target = S.PAID
    if refunded >= order.total_minor:
        target = S.REFUNDED
    elif refunded > 0:
        target = S.PARTIALLY_REFUNDED
    orders.transition(
        order,
        target,
        actor="stripe",
        stripe_event_id=stripe_event_id,
        message=f"Refunded {orders.money_text(order.amount_refunded_minor, order)} "
        f"of {orders.money_text(order.total_minor, order)}.",
    )
    db.session.flush()
