"""What the shop holds of each PaymentIntent: its `Payment` row, brought up to date
from Stripe's snapshots and never moved back by an older one, and a timeline entry
for each attempt that failed. `payments.sync_payment` decides what a snapshot means
for its order; this keeps the record of the intent itself.
"""

from dataclasses import dataclass

from sqlalchemy import bindparam, select

from shop.extensions import db
from shop.models import Order, Payment
from shop.services import orders

# Intents waiting for the customer or for the shop: none of them has moved money.
OPEN_INTENT = {
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "requires_capture",
}

# A PaymentIntent never leaves these states, so once synced in one it is final.
FINAL_INTENT = {"succeeded", "canceled"}


@dataclass(frozen=True)
class KnownPayment:
    """What the shop holds of an intent: the order it pays and its last synced status."""

    order_id: int
    status: str

    @property
    def settled(self) -> bool:
        return self.status in FINAL_INTENT


# Built once: every webhook and confirm asks it (see order_summaries on why).
_KNOWN = select(Payment.order_id, Payment.status).where(Payment.intent_id == bindparam("intent_id"))


def known_payment(intent_id: str) -> KnownPayment | None:
    """The shop's payment row for this intent, or None if it has none (one query)."""
    row = db.session.execute(_KNOWN, {"intent_id": intent_id}).one_or_none()
    return KnownPayment(*row) if row is not None else None


def _charge(intent: dict) -> dict | None:
    charge = intent.get("latest_charge")
    return charge if isinstance(charge, dict) else None


def _id_of(value) -> str | None:
    """An object's id, whether Stripe sent the object expanded or only its id."""
    return value.get("id") if isinstance(value, dict) else value


def _charge_id(intent: dict) -> str | None:
    return _id_of(intent.get("latest_charge"))


def _older_than_what_is_known(payment: Payment, intent: dict) -> bool:
    """A snapshot from before the attempt the shop already holds (a page or a reader
    whose answer from Stripe was slower than a webhook), not news.

    Each attempt is a charge of its own, which stays the intent's latest while it is
    processing and after it fails; a new attempt brings a new one. So a processing
    snapshot of a charge the shop has seen fail is from before that failure, and a
    snapshot waiting for a card that does not name the charge the shop holds as
    processing is from before that charge was made.
    """
    if payment.charge_id is None:
        return False
    if payment.status == "requires_payment_method" and intent["status"] == "processing":
        return payment.charge_id == _charge_id(intent)
    if payment.status == "processing" and intent["status"] in OPEN_INTENT:
        return payment.charge_id != _charge_id(intent)
    return False


def upsert_payment(order: Order, intent: dict) -> Payment:
    """The intent's payment row, created or brought up to date; call with the order locked."""
    payment = db.session.execute(
        db.select(Payment)
        .where(Payment.intent_id == intent["id"])
        .execution_options(populate_existing=True)  # as committed, not as read before the lock
    ).scalar_one_or_none()
    if payment is None:
        payment = Payment(order_id=order.id, intent_id=intent["id"])
        db.session.add(payment)
    elif _older_than_what_is_known(payment, intent):
        return payment
    payment.amount_minor = intent["amount"]
    payment.currency = intent["currency"]
    if payment.status not in FINAL_INTENT:
        # An intent never leaves a final state: a snapshot older than the one that
        # settled it (a late webhook, a slow page) must not undo it.
        payment.status = intent["status"]
    pm = intent.get("payment_method")
    payment.payment_method_id = pm["id"] if isinstance(pm, dict) else pm
    charge = _charge(intent)
    latest = intent.get("latest_charge")
    if latest:
        payment.charge_id = charge["id"] if charge else latest
    if charge:
        card = ((charge.get("payment_method_details") or {}).get("card")) or {}
        payment.card_brand = card.get("brand") or payment.card_brand
        payment.card_last4 = card.get("last4") or payment.card_last4
    error = intent.get("last_payment_error")
    if error:
        payment.failure_code = error.get("decline_code") or error.get("code")
        payment.failure_message = (error.get("message") or "")[:500]
    db.session.flush()
    return payment


def record_failure(order: Order, intent: dict, *, stripe_event_id: str | None = None) -> None:
    """Put a declined or failed attempt on the timeline, once per attempt."""
    error = intent.get("last_payment_error")
    if not isinstance(error, dict) or not error:
        return
    # The attempt is its charge, which every API version names in the error itself.
    # One that failed before any charge was made (its 3-D Secure check) is its card
    # after the intent's latest charge, an earlier attempt's. The same saved card
    # failing its check twice in a row is one entry: nothing tells the two apart.
    attempt = _id_of(error.get("charge")) or ":".join(
        filter(None, (_id_of(error.get("payment_method")), _charge_id(intent)))
    ) or error.get("code")
    code = str(error.get("decline_code") or error.get("code") or "failed")[:80]
    orders.record(
        order,
        "payment_failed",
        f"Payment failed ({code}): {error.get('message', '')}",
        actor="stripe",
        key=f"failure:{intent['id']}:{attempt}:{code}"[:255],
        stripe_event_id=stripe_event_id,
        data={"code": code, "intent": intent["id"]},
    )
