"""Each signed-in user's Stripe Customer, which holds their saved cards (`cards`).

It is created the first time the user saves a card or pays with saving asked for,
and kept on the user. One deleted at Stripe is forgotten here with its cards, and
the next is a new customer.
"""

from sqlalchemy import select

from shop.extensions import db
from shop.models import SavedCard, User
from shop.services import stripe_client
from shop.services.stripe_client import InvalidRequest


def ensure_customer(user: User) -> str:
    """The user's Stripe Customer id, creating the customer the first time it is needed.

    The idempotency key is derived from the user (its id and when it was created:
    ids start again at 1 in every database sharing a Stripe account), so two requests
    racing to create it get the same customer back, and from how many of the user's
    customers were deleted at Stripe, so the one after a deletion is a new customer.
    Guests have no `User` and never get one.
    """
    if user.stripe_customer_id:
        return user.stripe_customer_id
    customer = stripe_client.create_customer(
        stripe_client.idempotency_key(
            "user", user.id, f"{user.created_at.timestamp():.6f}", "customer",
            user.deleted_stripe_customers + 1,
        ),
        email=user.email,
        name=user.name or None,
        metadata={"user_id": str(user.id)},
    )
    user.stripe_customer_id = customer["id"]
    db.session.flush()
    return customer["id"]


def with_customer(user: User, call):
    """`call(customer_id)` with the user's Stripe Customer. One deleted at Stripe whose
    customer.deleted webhook was lost is answered "No such customer" every time: it
    is forgotten as that webhook would have done, and the call made once more."""
    customer_id = ensure_customer(user)
    try:
        return call(customer_id)
    except InvalidRequest as error:
        if error.code != "resource_missing" or not customer_now(customer_id).get("deleted"):
            raise
    forget_customer(user)
    return call(ensure_customer(user))


def customer_now(customer_id: str) -> dict:
    """The customer as Stripe holds it now; one Stripe no longer has counts as deleted."""
    return stripe_client.as_stripe_holds(stripe_client.retrieve_customer, customer_id,
                                         gone={"id": customer_id, "deleted": True})


def default_payment_method(customer_id: str) -> str | None:
    """The id of the customer's default payment method as Stripe holds it now, or None."""
    customer = customer_now(customer_id)
    if customer.get("deleted"):
        return None
    return (customer.get("invoice_settings") or {}).get("default_payment_method") or None


def forget_customer(user: User) -> None:
    """The user's customer is gone at Stripe, and its cards with it. Flushes."""
    for card in db.session.execute(select(SavedCard).where(SavedCard.user_id == user.id)).scalars():
        db.session.delete(card)
    user.stripe_customer_id = None
    user.deleted_stripe_customers += 1  # the next customer's idempotency key is new
    db.session.flush()
