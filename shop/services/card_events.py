"""Webhook handlers that keep saved cards true to Stripe.

Each re-reads the object from Stripe before acting, so a late, repeated or
out-of-order event mirrors Stripe as it is now: a card detached there is
forgotten here, a card still attached is recorded once, and the usable card
Stripe holds as the customer's default is the default here too.
"""

from shop.extensions import db
from shop.models import SavedCard, User
from shop.services import cards, customers, stripe_client
from shop.services.webhooks import handler


def user_for_customer(customer_id: str | None) -> User | None:
    """The user whose Stripe Customer this is, or None."""
    if not customer_id:
        return None
    return db.session.execute(
        db.select(User).where(User.stripe_customer_id == customer_id)
    ).scalar_one_or_none()


@handler("setup_intent.succeeded")
def on_setup_intent_succeeded(event: dict) -> str:
    intent = stripe_client.retrieve_setup_intent(event["data"]["object"]["id"])
    user = user_for_customer(intent.get("customer"))
    if intent["status"] != "succeeded" or user is None:
        return "ignored"
    payment_method = intent.get("payment_method")
    return "processed" if payment_method and cards.record_card(user, payment_method) else "ignored"


@handler(
    "payment_method.attached",
    "payment_method.detached",
    "payment_method.updated",
    "payment_method.automatically_updated",
)
def on_payment_method(event: dict) -> str:
    payment_method = _payment_method_now(event["data"]["object"]["id"])
    return "processed" if sync_payment_method(payment_method) else "ignored"


def _payment_method_now(payment_method_id: str) -> dict:
    """The payment method as Stripe holds it; one Stripe no longer has is attached to
    nobody."""
    return stripe_client.as_stripe_holds(stripe_client.retrieve_payment_method, payment_method_id,
                            gone={"id": payment_method_id, "customer": None})


def sync_payment_method(payment_method: dict) -> bool:
    """Mirror a payment method as Stripe holds it now; True when anything was written."""
    card = cards.by_payment_method(payment_method["id"])
    owner = user_for_customer(payment_method.get("customer"))
    if card is not None and (owner is None or owner.id != card.user_id):
        # Detached (or moved) at Stripe: it must not stay listed.
        cards.forget(db.session.get(User, card.user_id), card)
        return True
    if owner is None:
        return False
    return cards.record_card(owner, payment_method) is not None


CARD_GONE = "This card is no longer available; choose another card."


def forget_if_gone(payment_method_id: str) -> bool:
    """After Stripe refused a saved card's payment method: True when Stripe no longer
    holds it for its owner (detached or deleted there, and that webhook lost, or the
    card removed here meanwhile), in which case the card is forgotten here as the
    webhook would have done. Flushes; the caller commits.

    It takes the id, not the card: after the caller's rollback the card may be a row
    another request has deleted."""
    sync_payment_method(_payment_method_now(payment_method_id))
    return cards.by_payment_method(payment_method_id) is None


@handler("customer.deleted")
def on_customer_deleted(event: dict) -> str:
    customer_id = event["data"]["object"]["id"]
    customer = customers.customer_now(customer_id)
    user = user_for_customer(customer_id)
    if not customer.get("deleted") or user is None:
        return "ignored"
    customers.forget_customer(user)
    return "processed"


@handler("customer.updated")
def on_customer_updated(event: dict) -> str:
    """The default card can change at Stripe without the shop (in the Dashboard), and the
    two drift apart when the shop could not tell Stripe of its own choice: Stripe is the
    source of truth, so the usable card it holds as default is the default here too.

    Only an event that says the default changed is acted on (what it changed to is read
    from Stripe): a change to anything else, say the email in the Dashboard, must not
    undo a choice the customer made here that the shop could not pass on to Stripe."""
    if "invoice_settings" not in (event["data"].get("previous_attributes") or {}):
        return "ignored"
    customer_id = event["data"]["object"]["id"]
    user = user_for_customer(customer_id)
    default_id = customers.default_payment_method(customer_id) if user is not None else None
    if user is None or default_id is None:
        # No default at Stripe: the shop keeps preselecting its own, as Stripe's copy
        # only matters to invoices. A deleted customer is customer.deleted's to forget.
        return "ignored"
    card = _held_card(user, default_id)
    recorded = card is None and _record_lost_attach(default_id)
    if recorded:
        card = _held_card(user, default_id)
    if card is None or card.is_default or card.is_expired():
        return "processed" if recorded else "ignored"
    return "processed" if cards.mark_default(user, card) else "ignored"


def _held_card(user: User, payment_method_id: str) -> SavedCard | None:
    card = cards.by_payment_method(payment_method_id)
    return card if card is not None and card.user_id == user.id else None


def _record_lost_attach(payment_method_id: str) -> bool:
    """A default the shop does not hold yet: its attach event is late or lost, so read
    it from Stripe as that event's handler would. True when anything was written."""
    return sync_payment_method(_payment_method_now(payment_method_id))
