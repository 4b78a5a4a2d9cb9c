"""Adding a card off session: a SetupIntent on the user's Stripe Customer, confirmed
by Stripe.js on the add-card page, then read back from Stripe when the browser returns
and its card saved (`cards.record_card`)."""

from dataclasses import dataclass

from shop.models import SavedCard, User
from shop.services import cards, customers, stripe_client
from shop.services.stripe_client import NotFound


@dataclass
class SetupResult:
    """What came of adding a card: Stripe's SetupIntent status and the card, if saved."""

    status: str
    card: SavedCard | None = None
    message: str | None = None
    already_saved: bool = False


def start_setup(user: User, request_key: str) -> dict:
    """A SetupIntent for adding a card off session; the same request key → the same intent."""
    return customers.with_customer(user, lambda customer_id: stripe_client.create_setup_intent(
        stripe_client.idempotency_key("user", user.id, "setup-intent", customer_id, request_key),
        customer=customer_id,
        usage="off_session",
        automatic_payment_methods={"enabled": True},
        metadata={"user_id": str(user.id)},
    ))


def finish_setup(user: User, setup_intent_id: str) -> SetupResult | None:
    """Read the SetupIntent from Stripe and save its card if it succeeded.

    Returns None when the intent does not exist or is not this user's customer's,
    which the page answers with 404.
    """
    try:
        intent = stripe_client.retrieve_setup_intent(setup_intent_id)
    except NotFound:
        return None
    if not user.stripe_customer_id or intent.get("customer") != user.stripe_customer_id:
        return None
    if intent["status"] != "succeeded":
        error = intent.get("last_setup_error") or {}
        return SetupResult(intent["status"], message=error.get("message"))
    payment_method = intent.get("payment_method")  # expanded by retrieve_setup_intent
    card = cards.record_card(user, payment_method) if payment_method else None
    if card is None and payment_method:
        # Its webhook may have come first and found it a copy of a saved card: this
        # method is then detached already, and the card it copies is the answer.
        card = cards.saved_copy_of(user, payment_method)
    copy = card is not None and card.stripe_payment_method_id != payment_method["id"]
    return SetupResult("succeeded", card=card, already_saved=copy)
