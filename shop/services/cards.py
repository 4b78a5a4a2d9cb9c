"""Saved cards: the cards kept on each signed-in user's Stripe Customer (`customers`).

Stripe is the source of truth. Every change is made there first and then
mirrored in `SavedCard`; webhooks (`shop.services.card_events`) re-read the
payment method from Stripe before acting, so events that arrive late, twice or
out of order cannot bring back a card the customer removed. The same card (same
fingerprint and expiry) is listed once: a later copy is detached at Stripe and
the older one kept.
"""

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from shop.extensions import db
from shop.models import SavedCard, User
from shop.services import customers, stripe_client
from shop.services.stripe_client import InvalidRequest, NotFound, PaymentsError


class CardError(ValueError):
    """A card change that cannot be made; the message is fit to show."""


GONE_MEANWHILE = "This card is no longer saved; choose another card."


def _cards_locked(user: User) -> list[SavedCard]:
    """The user's cards as committed now, holding the user's row lock until the
    transaction ends: changes to one customer's cards (a default chosen in two tabs, a
    card removed while made default, their webhooks) run one after another, each seeing
    what the one before left. PostgreSQL: SELECT ... FOR NO KEY UPDATE, which leaves
    the customer's checkouts free to insert rows that refer to the user meanwhile (a
    plain FOR UPDATE would hold them up across this change's Stripe call); SQLite: a
    no-op write takes the database's write lock, which serializes writers the same way."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(update(User).where(User.id == user.id).values(id=User.id))
    else:
        db.session.execute(
            select(User.id).where(User.id == user.id).with_for_update(key_share=True))
    return list(db.session.execute(
        select(SavedCard).where(SavedCard.user_id == user.id)
        .order_by(SavedCard.is_default.desc(), SavedCard.id)
        .execution_options(populate_existing=True)
    ).scalars())


# Reading
def all_cards(user: User) -> list[SavedCard]:
    """Every saved card, default first then oldest first; expired ones included."""
    return list(
        db.session.execute(
            db.select(SavedCard)
            .where(SavedCard.user_id == user.id)
            .order_by(SavedCard.is_default.desc(), SavedCard.id)
        ).scalars()
    )


def usable_cards(user: User | None) -> list[SavedCard]:
    """The cards a customer may pay with: not expired, default first. Guests have none."""
    if user is None or not user.stripe_customer_id:
        return []
    return [card for card in all_cards(user) if not card.is_expired()]


def find_card(user: User, card_id: int) -> SavedCard | None:
    """The user's card with this id, or None when there is none or it is someone else's."""
    return db.session.execute(
        db.select(SavedCard).where(SavedCard.id == card_id, SavedCard.user_id == user.id)
    ).scalar_one_or_none()


def by_payment_method(payment_method_id: str) -> SavedCard | None:
    """The saved card mirroring this Stripe payment method, whoever's it is, or None."""
    return db.session.execute(
        db.select(SavedCard).where(SavedCard.stripe_payment_method_id == payment_method_id)
    ).scalar_one_or_none()


# Recording what Stripe says
def record_card(user: User, payment_method: dict) -> SavedCard | None:
    """Write or refresh the SavedCard for a payment method Stripe returned.

    Only a card attached to this user's customer is kept: a detached method
    (customer null) or another customer's is never stored. A new card becomes the
    default, here and at Stripe, when no usable card is. A second copy of a card
    already saved is detached at Stripe and the existing one is returned. Flushes;
    the caller commits.
    """
    details = payment_method.get("card")
    customer_id = payment_method.get("customer")
    if not details or not user.stripe_customer_id or customer_id != user.stripe_customer_id:
        return None
    card = by_payment_method(payment_method["id"])
    if card is not None and card.user_id != user.id:
        return None
    if card is None:
        card = _insert(user, payment_method["id"], details)
        if card.is_default:
            _default_at_stripe_if_possible(user, card)
    else:
        _copy_details(card, details)
        db.session.flush()
    return _drop_copies(user, card)


def _copy_details(card: SavedCard, details: dict) -> None:
    card.brand = details.get("display_brand") or details["brand"]
    card.last4 = details["last4"]
    card.exp_month = details["exp_month"]
    card.exp_year = details["exp_year"]
    card.fingerprint = details.get("fingerprint")


def _insert(user: User, payment_method_id: str, details: dict) -> SavedCard:
    """Add the card, as the default if no usable card is (an expired default stops
    being it); a concurrent writer of the same method or default wins gracefully."""
    defaults = [card for card in all_cards(user) if card.is_default]
    has_default = any(not card.is_expired() for card in defaults)
    for make_default in (not has_default, False):
        card = SavedCard(user_id=user.id, stripe_payment_method_id=payment_method_id)
        _copy_details(card, details)
        card.is_default = make_default
        try:
            # Nothing is read in here: on SQLite a read before the write turns another
            # writer's lock into an immediate "database is locked" instead of a wait.
            with db.session.begin_nested():
                for expired in defaults if make_default else ():
                    expired.is_default = False
                db.session.flush()
                db.session.add(card)
        except IntegrityError:
            existing = by_payment_method(payment_method_id)
            if existing is not None:
                return existing
            continue  # another card became the default meanwhile: add this one plainly
        return card
    raise CardError("The card could not be saved; please try again.")


def _drop_copies(user: User, card: SavedCard) -> SavedCard:
    """Keep the oldest of the user's cards with this card's fingerprint and expiry.

    A copy that is the default, here or at Stripe (chosen in its Dashboard), hands
    that over to the card kept; at Stripe before the copy is detached, since Stripe
    clears a default that is detached and would be left with none."""
    if not card.fingerprint:
        return card
    same_card = _same_card(user, card.fingerprint, card.exp_month, card.exp_year)
    keep, *copies = db.session.execute(same_card).scalars()
    if copies and not keep.is_expired() and _a_default(user, copies):
        _default_at_stripe_if_possible(user, keep)
        mark_default(user, keep)
    for copy in copies:
        _detach(copy.stripe_payment_method_id)
        forget(user, copy)
    return keep


def _a_default(user: User, copies: list[SavedCard]) -> bool:
    """Whether one of these cards is the user's default, here or at Stripe."""
    if any(copy.is_default for copy in copies):
        return True
    at_stripe = customers.default_payment_method(user.stripe_customer_id)
    return any(copy.stripe_payment_method_id == at_stripe for copy in copies)


def _same_card(user: User, fingerprint: str, exp_month, exp_year):
    """The user's saved cards with this number and expiry, oldest first."""
    return db.select(SavedCard).where(
        SavedCard.user_id == user.id,
        SavedCard.fingerprint == fingerprint,
        SavedCard.exp_month == exp_month,
        SavedCard.exp_year == exp_year,
    ).order_by(SavedCard.id)


def saved_copy_of(user: User, payment_method: dict) -> SavedCard | None:
    """The saved card this payment method is a copy of (same number and expiry), if any."""
    details = payment_method.get("card") or {}
    if not details.get("fingerprint"):
        return None
    same_card = _same_card(user, details["fingerprint"], details.get("exp_month"),
                           details.get("exp_year"))
    return db.session.execute(same_card).scalars().first()


def _detach(payment_method_id: str) -> None:
    """Detach at Stripe; a method that is already detached or gone counts as done."""
    try:
        stripe_client.detach_payment_method(
            payment_method_id,
            stripe_client.idempotency_key("payment-method", payment_method_id, "detach"),
        )
    except NotFound:
        return
    except InvalidRequest:
        if stripe_client.retrieve_payment_method(payment_method_id).get("customer"):
            raise


def forget(user: User, card: SavedCard) -> SavedCard | None:
    """Delete the local card; if it was the default, the oldest usable card takes over.
    Returns that card, the new default, if one took over."""
    was_default = card.is_default
    db.session.delete(card)
    db.session.flush()
    if not was_default:
        return None
    successor = next(iter(usable_cards(user)), None)
    if successor is None:
        return None
    _default_at_stripe_if_possible(user, successor)
    mark_default(user, successor)
    return successor


# Changes the customer asks for
def set_default(user: User, card: SavedCard) -> SavedCard:
    """Make this the customer's default card at Stripe, then here."""
    if card.user_id != user.id:
        raise CardError("That card is not yours.")
    current = _cards_locked(user)
    if card not in current:
        raise CardError(GONE_MEANWHILE)
    if card.is_expired():
        raise CardError("This card has expired; add a current one instead.")
    _default_at_stripe(user, card)
    _default_among(current, card)
    return card


def _default_at_stripe(user: User, card: SavedCard) -> None:
    # Choosing a default can repeat (A, B, A) and creates nothing, so no key names the
    # choice: the SDK's own per-call key covers its retries.
    stripe_client.update_customer(
        customers.ensure_customer(user),
        None,
        invoice_settings={"default_payment_method": card.stripe_payment_method_id},
    )


def _default_at_stripe_if_possible(user: User, card: SavedCard) -> None:
    try:
        _default_at_stripe(user, card)
    except PaymentsError as error:
        # The shop preselects the local default; Stripe's copy only matters to invoices.
        current_app.logger.warning("Could not set the default card at Stripe: %s", error)


def mark_default(user: User, card: SavedCard) -> bool:
    """Make this the user's default card here only (Stripe already has it, or is told
    by the caller); False, changing nothing, if the card was removed meanwhile (read
    before another request deleted it). Flushes; the caller commits."""
    current = _cards_locked(user)
    if card not in current:
        return False
    _default_among(current, card)
    return True


def _default_among(current: list[SavedCard], card: SavedCard) -> None:
    """Make `card` the default of `current`, the user's cards read under their lock."""
    # One default per user is a unique index: clear the old one before setting the new.
    for other in current:
        if other.is_default and other.id != card.id:
            other.is_default = False
    db.session.flush()
    card.is_default = True
    db.session.flush()


def remove_card(user: User, card: SavedCard) -> SavedCard | None:
    """Detach the card at Stripe, then delete it here. Returns the card that became the
    default in its place, if it was the default and another could take over."""
    if card.user_id != user.id:
        raise CardError("That card is not yours.")
    if card not in _cards_locked(user):
        return None  # removed meanwhile (another tab, its webhook): what was asked is done
    _detach(card.stripe_payment_method_id)
    return forget(user, card)
