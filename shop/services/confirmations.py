"""What the pay page and the return URL report about a payment, checked with Stripe.

The browser only names an intent; it counts once it is one of the order's own
payments and Stripe's copy of it goes through `payments.sync_payment`, unless the
shop already holds it as succeeded or canceled, states Stripe never moves it out of.
"""

from shop.extensions import db
from shop.logs import log_event
from shop.models import Order, Payment
from shop.services import stripe_client
from shop.services.payment_records import FINAL_INTENT
from shop.services.payments import belongs_to, sync_payment


class PaymentMismatch(Exception):
    """An intent that does not belong to the order it was presented for."""


def confirm_from_stripe(order: Order, intent_id: str | None, *, source: str) -> Order:
    """What the page or the return URL reports, checked with Stripe before it counts."""
    payment = None
    if intent_id:
        payment = db.session.execute(
            db.select(Payment).where(Payment.intent_id == intent_id, Payment.order_id == order.id)
        ).scalar_one_or_none()
    if payment is None:
        raise PaymentMismatch(f"{intent_id!r} is not a payment of order {order.number}")
    if payment.status in FINAL_INTENT:
        # Synced already (by a webhook, reconcile or an earlier report) into a state
        # Stripe never leaves: asking Stripe again would change nothing.
        log_event("payment.confirm", order=order.number, intent=payment.intent_id,
                  outcome="already " + payment.status, source=source)
        db.session.refresh(order)  # the sync may have committed since the order was read
        return order
    try:
        intent = stripe_client.retrieve_payment_intent(payment.intent_id)
    except stripe_client.PaymentsError as error:
        log_event(
            "payment.confirm",
            order=order.number,
            intent=payment.intent_id,
            outcome="failed",
            error=type(error).__name__,
            source=source,
        )
        raise
    if not belongs_to(order, intent):
        raise PaymentMismatch(f"{intent_id} does not match order {order.number}")
    return sync_payment(intent, source=source) or order


# Stripe's message for a failed 3-D Secure check is written for developers; this is
# what Stripe.js tells the customer when the check fails on the page itself.
AUTHENTICATION_FAILED = (
    "We are unable to authenticate your payment method. Please choose a different payment"
    " method and try again."
)


def failure_of(intent_id: str) -> str | None:
    """Why the intent's last attempt failed, in words for the customer; None if it did not."""
    row = db.session.execute(
        db.select(Payment.failure_code, Payment.failure_message).where(
            Payment.intent_id == intent_id, Payment.status == "requires_payment_method"
        )
    ).one_or_none()
    return in_words(*row) if row else None


def in_words(code: str | None, message: str | None) -> str | None:
    """A failed attempt's code and Stripe's message as the customer is told them."""
    if not (code or message):
        return None
    if code == "payment_intent_authentication_failure":
        return AUTHENTICATION_FAILED
    return message or "Your payment did not go through. Please try again."
