"""Payments: one PaymentIntent per order, and `sync_payment`, the one way Stripe's
word about an intent reaches an order.

Every path — the pay page's confirm and the return URL (`confirmations`), webhooks,
reconcile, expiry — retrieves the intent from Stripe and hands it to `sync_payment`,
which locks the order and moves it through `orders.transition` exactly once. The
page's report and webhooks skip the retrieve for an intent already synced as
succeeded or canceled: Stripe never moves an intent out of those states, so there
is nothing left to learn.
The intent's own record, its `Payment` row, is kept by `payment_records`.
"""

from sqlalchemy.exc import NoResultFound

from shop.extensions import db
from shop.logs import log_event
from shop.models import Order, OrderStatus, Payment, User
from shop.services import card_brands, cards, orders, refunds, stripe_client
from shop.services.payment_records import known_payment, record_failure, upsert_payment

S = OrderStatus


def belongs_to(order: Order, intent: dict) -> bool:
    """Is `intent` this order's? Its id alone is not enough: ids start again at 1 in
    every database sharing the Stripe account (a development shop started afresh,
    staging), and Stripe sends each of them every intent's events. The order's
    random number is the shop's own."""
    metadata = intent.get("metadata") or {}
    return (
        metadata.get("order_id") == str(order.id)
        and metadata.get("order_number") == order.number
        and intent.get("amount") == order.total_minor
        and intent.get("currency") == order.currency
    )


def order_for_intent(intent: dict) -> Order | None:
    order_id = _order_id_for(intent)
    return db.session.get(Order, order_id) if order_id is not None else None


def _order_id_for(intent: dict) -> int | None:
    """The order an intent pays: from its payment row, else from its metadata."""
    known = known_payment(intent["id"])
    if known is not None:
        return known.order_id
    claimed = str((intent.get("metadata") or {}).get("order_id", ""))
    # isascii: str.isdigit() also takes "²", which int() refuses.
    return int(claimed) if claimed.isascii() and claimed.isdigit() and len(claimed) < 12 else None


def sync_payment(
    intent: dict, *, source: str, stripe_event_id: str | None = None, order_id: int | None = None
) -> Order | None:
    """Apply what Stripe says about `intent` to its order; safe to call any number of times.

    `order_id` saves a query when the caller has just read the intent's payment row
    (`known_payment`): the order a payment row names never changes.
    """
    order_id = order_id if order_id is not None else _order_id_for(intent)
    if order_id is None:
        return None
    try:
        order = orders.lock_order(order_id)
    except NoResultFound:  # metadata naming an order this shop does not have
        return None
    if not belongs_to(order, intent):
        log_event("payment.mismatch", order=order.number, intent=intent["id"], source=source)
        return None
    payment = upsert_payment(order, intent)
    apply = _APPLY.get(intent["status"])
    changed = bool(apply and apply(order, payment, intent, source, stripe_event_id))
    error = intent.get("last_payment_error") or {}
    log_event(
        "payment.sync",
        order=order.number,
        intent=intent["id"],
        status=intent["status"],
        order_status=order.status,
        changed=changed,
        source=source,
        event=stripe_event_id,
        # Why the last attempt failed, as Stripe put it: what support is asked about.
        failure=(error.get("decline_code") or error.get("code")) if isinstance(error, dict)
        else None,
    )
    return order


def note_missing(order: Order, intent_id: str, *, source: str) -> None:
    """Tell the admin Stripe has no such intent: its test data was deleted, or the shop
    now runs on another account's keys. No money can move on it while that lasts, so
    its order may be cancelled or paid anew; the payment is left as it was, so that
    should it turn up paid after all (the keys switched back), its event is read and
    lands as a payment on a cancelled order, for the admin to refund."""
    orders.record(
        order,
        "attention",
        f"Stripe has no payment {intent_id} (test data deleted, or other keys).",
        key=f"missing:{intent_id}",
    )
    log_event("payment.missing", order=order.number, intent=intent_id, source=source)


def _succeeded(order: Order, payment: Payment, intent: dict, source: str, event: str | None):
    if order.status == S.CANCELED:
        orders.record(
            order,
            "attention",
            "Payment succeeded on a cancelled order: refund it.",
            key=f"paid-after-cancel:{intent['id']}",
            stripe_event_id=event,
        )
        return False
    if order.status not in (S.PENDING, S.PROCESSING):
        return False  # already paid; refunds move it on from there
    changed = orders.transition(
        order,
        S.PAID,
        actor="stripe",
        stripe_event_id=event,
        message=f"Paid {_card_text(payment)}(via {source}).",
    )
    if changed:
        if order.amount_refunded_minor:
            # Stripe sends events in no set order: refunds it reported before this
            # payment are counted once the order is paid.
            refunds.settle_refunded_amount(order, payment, event)
        _save_card_if_asked(order, intent)
    return changed


def _processing(order: Order, payment: Payment, intent: dict, source: str, event: str | None):
    if order.status != S.PENDING or payment.status != "processing":
        return False  # paid meanwhile, or a snapshot from before this attempt failed
    return orders.transition(
        order,
        S.PROCESSING,
        actor="stripe",
        stripe_event_id=event,
        message=f"Payment processing (via {source}).",
    )


def _failed(order: Order, payment: Payment, intent: dict, source: str, event: str | None):
    record_failure(order, intent, stripe_event_id=event)
    if order.status != S.PROCESSING or payment.status != "requires_payment_method":
        return False  # not processing, or a snapshot from before its processing attempt
    return orders.transition(
        order,
        S.PENDING,
        actor="stripe",
        stripe_event_id=event,
        message="Payment failed; waiting for another payment.",
    )


def _needs_action(order: Order, payment: Payment, intent: dict, source: str, event: str | None):
    orders.record(
        order,
        "authentication",
        "Stripe asked the customer to authenticate.",
        actor="stripe",
        key=f"action:{intent['id']}:{payment.payment_method_id}",
        stripe_event_id=event,
    )
    return False


def _canceled(order: Order, payment: Payment, intent: dict, source: str, event: str | None):
    if order.status not in (S.PENDING, S.PROCESSING) or _other_payment_alive(order, intent):
        return False
    return orders.transition(
        order,
        S.CANCELED,
        actor="stripe",
        stripe_event_id=event,
        message="Payment cancelled; stock released.",
    )


def _other_payment_alive(order: Order, intent: dict) -> bool:
    return (
        db.session.execute(
            db.select(Payment.id).where(
                Payment.order_id == order.id,
                Payment.intent_id != intent["id"],
                Payment.status.not_in(("canceled",)),
            )
        ).first()
        is not None
    )


_APPLY = {
    "succeeded": _succeeded,
    "processing": _processing,
    "requires_payment_method": _failed,
    "requires_action": _needs_action,
    "canceled": _canceled,
}


def _card_text(payment: Payment) -> str:
    if payment.card_brand and payment.card_last4:
        return f"with {card_brands.card_name(payment.card_brand, payment.card_last4)} "
    return ""


def _save_card_if_asked(order: Order, intent: dict) -> None:
    """Keep the card the customer asked to save, if Stripe can be asked now.

    The payment stands whatever happens here: a Stripe outage at this moment must not
    leave a charged customer's order unpaid. The card's `payment_method.attached`
    webhook saves it later instead.
    """
    if not (intent.get("setup_future_usage") and intent.get("customer") and order.user_id):
        return
    user = db.session.get(User, order.user_id)
    pm_id = intent.get("payment_method")
    if user is None or not pm_id or user.stripe_customer_id != intent["customer"]:
        return
    try:
        with db.session.begin_nested():
            cards.record_card(user, stripe_client.retrieve_payment_method(pm_id))
    except stripe_client.PaymentsError as error:
        log_event("card.save", order=order.number, payment_method=pm_id, outcome="failed",
                  error=type(error).__name__)
