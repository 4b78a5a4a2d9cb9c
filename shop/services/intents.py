"""The order's one PaymentIntent: created on first use, reused after a decline, and
confirmed on the server when a customer pays with a saved card.

Outcomes still go through `payments.sync_payment`; nothing here moves an order.
"""

from shop.extensions import db
from shop.logs import log_event
from shop.models import Order, OrderStatus, Payment, SavedCard, User
from shop.services import orders, payment_records, payments, stripe_client
from shop.services.orders import OrderError

S = OrderStatus


def _attempts(order: Order) -> list[Payment]:
    """The order's payments, oldest first: one per attempt to pay it."""
    return list(
        db.session.execute(
            db.select(Payment).where(Payment.order_id == order.id).order_by(Payment.id)
        ).scalars()
    )


def _open_payment(attempts: list[Payment]) -> Payment | None:
    return next((p for p in reversed(attempts) if p.status in payment_records.OPEN_INTENT), None)


class NoLongerPayable(OrderError):
    """The order is no longer pending: paid or cancelled by a request that held its lock
    first (another tab, a second click), or moved on just now by Stripe's word on its
    last attempt (paid in a tab whose report was lost). The caller keeps what was
    learnt, and shows the order."""


def _payable(order: Order) -> None:
    if order.status != S.PENDING:
        raise NoLongerPayable(f"This order is {order.status.replace('_', ' ')}.")


def ensure_intent(order: Order, *, customer_id: str | None = None, save_card: bool = False) -> dict:
    """The order's one open PaymentIntent, created on first use; amount from the order.

    A double click or a retry after a timeout creates nothing twice: the order row
    is locked, and the create call's idempotency key names the order and attempt.
    """
    order = orders.lock_order(order.id)
    _payable(order)
    attempts = _attempts(order)
    payment = _open_payment(attempts)
    if payment is not None:
        try:
            intent = stripe_client.retrieve_payment_intent(payment.intent_id)
        except stripe_client.NotFound:
            # Stripe has no such intent (test data deleted, other keys): a new one
            # takes its place, rather than every click failing until expiry.
            payments.note_missing(order, payment.intent_id, source="pay page")
        else:
            if intent["status"] in payment_records.OPEN_INTENT:
                intent = _apply_saving(intent, customer_id if save_card else None)
                payment_records.upsert_payment(order, intent)
                return intent
            payments.sync_payment(intent, source="pay page")
            _payable(order)
    attempt = len(attempts)
    try:
        intent = stripe_client.create_payment_intent(
            # The order's random number, not its id: ids start again at 1 in every
            # database (a reset development shop, staging) sharing a Stripe account.
            key=stripe_client.idempotency_key("order", order.number, "intent", attempt),
            amount=order.total_minor,
            currency=order.currency,
            automatic_payment_methods={"enabled": True},
            metadata={"order_id": str(order.id), "order_number": order.number},
            description=f"Order {order.number}",
            receipt_email=order.email,
        )
    except stripe_client.PaymentsError as error:
        log_event(
            "payment.intent",
            order=order.number,
            outcome="failed",
            error=type(error).__name__,
            code=error.code,
            status=error.status,
        )
        raise
    intent = _apply_saving(intent, customer_id if save_card else None)
    payment_records.upsert_payment(order, intent)
    orders.record(
        order, "intent_created", f"Payment started ({intent['id']}).", key=f"intent:{intent['id']}"
    )
    log_event("payment.intent", order=order.number, intent=intent["id"], outcome="ready")
    return intent


def _apply_saving(intent: dict, customer_id: str | None) -> dict:
    """Make the intent save the card to `customer_id`, or not save it (None)."""
    wanted = "off_session" if customer_id else None
    status = intent.get("status")
    # While the bank checks a card (3-D Secure) the intent belongs to that attempt:
    # saving must not be switched on under it, or whoever could open the order could
    # have the card being checked saved to their own customer. Switching it off saves
    # nobody's card: a customer back from a bank's page they left, paying with another
    # card, is not signed up for off-session use. A processing intent takes no change.
    if status == "processing" or (status == "requires_action" and wanted):
        return intent
    changes: dict = {}
    if customer_id and intent.get("customer") != customer_id:
        changes["customer"] = customer_id
    if intent.get("setup_future_usage") != wanted:
        changes["setup_future_usage"] = wanted or ""
    if not changes:
        return intent
    # An update neither creates nor moves anything, and the same update twice is
    # harmless: the SDK's own per-call key covers its retries.
    return stripe_client.update_payment_intent(intent["id"], key=None, **changes)


def latest_intent_id(order: Order) -> str | None:
    return (
        db.session.execute(
            db.select(Payment.intent_id)
            .where(Payment.order_id == order.id)
            .order_by(Payment.id.desc())
        )
        .scalars()
        .first()
    )


def saved_card_intent(order: Order, user: User) -> dict:
    """The order's open intent, made the saved cards' customer's; the caller commits it
    before `pay_with_saved_card` moves any money, so a lost answer loses no record."""
    intent = ensure_intent(order, customer_id=user.stripe_customer_id, save_card=False)
    if intent.get("customer") != user.stripe_customer_id:
        intent = stripe_client.update_payment_intent(
            intent["id"], key=None, customer=user.stripe_customer_id
        )
    return intent


def pay_with_saved_card(
    order: Order, intent: dict, card: SavedCard, return_url: str, attempt: str
) -> dict:
    """Confirm `intent` on the server with a saved card, and sync Stripe's answer.

    `attempt` names the customer's click: the confirm call's idempotency key holds
    it, so a retry of the same click is answered once, while a new click (after a
    failed 3-D Secure challenge, which leaves no charge behind) confirms again.
    Returns the intent; `requires_action` means the page must run handleNextAction.
    A decline raises CardDeclined after the failure is recorded.
    """
    try:
        intent = stripe_client.confirm_payment_intent(
            intent["id"],
            key=stripe_client.idempotency_key(
                "order", order.id, "confirm", intent["id"], card.stripe_payment_method_id, attempt
            ),
            payment_method=card.stripe_payment_method_id,
            return_url=return_url,
            use_stripe_sdk=True,
            expand=["latest_charge"],
        )
    except stripe_client.CardDeclined:
        payments.sync_payment(
            stripe_client.retrieve_payment_intent(intent["id"]), source="saved card"
        )
        raise
    # The confirm's own answer: a second call could fail after the money has moved.
    payments.sync_payment(intent, source="saved card")
    log_event(
        "payment.saved_card", order=order.number, intent=intent["id"], outcome=intent["status"]
    )
    return intent
