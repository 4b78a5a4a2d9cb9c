"""Payment methods page: list, add (SetupIntent + PaymentElement), make default, remove."""

import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from shop.account.forms import CardActionForm
from shop.extensions import db, limiter
from shop.models import MAX_ID, SavedCard
from shop.services import card_brands, card_events, card_setup, cards
from shop.services.stripe_client import (
    CARDS_UNAVAILABLE,
    InvalidRequest,
    PaymentsError,
    PaymentsUnavailable,
)
from shop.web.requests import json_object, valid_request_key

bp = Blueprint("account", __name__, url_prefix="/account")

TOO_MANY_SETUPS = "Too many attempts to add a card. Please wait a minute and try again."


def _intent_limit() -> str:
    return current_app.config["INTENT_RATE_LIMIT"]


@bp.app_template_filter("card_label")
def card_label(card: SavedCard) -> str:
    """How a card is named to its owner, e.g. "Visa •••• 4242, expires 12/2030"."""
    return f"{_short_label(card)}, expires {card.exp_month:02d}/{card.exp_year}"


def _told(error: PaymentsError) -> str:
    """What a card page says when a Stripe call failed, in customer words."""
    if isinstance(error, PaymentsUnavailable):
        return CARDS_UNAVAILABLE
    return error.customer_message


def _own_card(card_id: int) -> SavedCard:
    """The signed-in user's card; 404 for a card that is missing or someone else's."""
    card = cards.find_card(current_user, card_id)
    if card is None:
        abort(404)
    return card


@bp.get("/cards")
@login_required
def saved_cards():
    return render_template("account/cards.html", cards=cards.all_cards(current_user))


@bp.get("/cards/new")
@login_required
def add_card():
    return render_template("account/add_card.html", request_key=secrets.token_urlsafe(24))


@bp.post("/cards/setup-intent")
@login_required
@limiter.limit(_intent_limit, error_message=TOO_MANY_SETUPS)
def setup_intent():
    """JSON: {request_key} → {client_secret} of a SetupIntent for the user's customer."""
    request_key = valid_request_key(json_object().get("request_key"))
    if request_key is None:
        return jsonify(error="Reload the page and try again."), 400
    try:
        intent = card_setup.start_setup(current_user, request_key)
    except PaymentsError as error:
        db.session.commit()  # a customer created on the way is real at Stripe: keep it
        return jsonify(error=_told(error)), 502
    db.session.commit()
    return jsonify(client_secret=intent["client_secret"])


@bp.get("/cards/added")
@login_required
def card_added():
    """Stripe.js returns here after confirmSetup; the SetupIntent is read from Stripe."""
    setup_intent_id = request.args.get("setup_intent", "")
    if not setup_intent_id.startswith("seti_"):
        abort(404)
    try:
        result = card_setup.finish_setup(current_user, setup_intent_id)
    except PaymentsError as error:
        flash(_told(error), "error")
        return redirect(url_for(".add_card"))
    if result is None:
        abort(404)
    db.session.commit()
    if result.status != "succeeded":
        return render_template("account/card_added.html", result=result)
    if result.card is None:
        # Removed since it was added (this page reloaded from the browser's history).
        flash("This card is no longer saved; add it again to use it.", "info")
    elif result.already_saved:
        flash("This card was already saved.", "info")
    else:
        flash("Your card is saved.", "success")
    return redirect(url_for(".saved_cards"))


@bp.post(f"/cards/<int(max={MAX_ID}):card_id>/default")
@login_required
def make_default(card_id: int):
    card = _own_card(card_id)
    _change(cards.set_default, card, lambda label, _: f"{label} is now your default card.")
    return redirect(url_for(".saved_cards"))


@bp.post(f"/cards/<int(max={MAX_ID}):card_id>/remove")
@login_required
def remove_card(card_id: int):
    card = _own_card(card_id)
    _change(cards.remove_card, card, _removed)
    return redirect(url_for(".saved_cards"))


def _short_label(card: SavedCard) -> str:
    return card_brands.card_name(card.brand, card.last4)


def _removed(label: str, new_default: SavedCard | None) -> str:
    # The next payment's preselected card changes: the customer must not find out then.
    if new_default is None:
        return f"{label} was removed."
    return f"{label} was removed. {_short_label(new_default)} is now your default card."


def _change(action, card: SavedCard, done) -> None:
    """Run a card action for the signed-in user, commit once and say how it went:
    `done(label, result)` is the message, given the card's label and what `action`
    returned."""
    if not CardActionForm().validate_on_submit():
        flash("Your session expired; please try again.", "error")
        return
    label = _short_label(card)
    payment_method_id = card.stripe_payment_method_id  # the card may be gone after a rollback
    try:
        result = action(current_user, card)
    except (cards.CardError, PaymentsError) as error:
        db.session.rollback()
        flash(_refused(payment_method_id, error), "error")
        return
    message = done(label, result)  # read before the commit expires what it names
    db.session.commit()
    flash(message, "success")


def _refused(payment_method_id: str, error: cards.CardError | PaymentsError) -> str:
    """What the customer is told when a card change failed. Stripe refuses a card
    detached or deleted there whose webhook was lost every time: it is forgotten."""
    if isinstance(error, InvalidRequest):
        try:
            if card_events.forget_if_gone(payment_method_id):
                db.session.commit()
                return card_events.CARD_GONE
        except PaymentsError as reread_error:
            db.session.rollback()
            error = reread_error
    return str(error) if isinstance(error, cards.CardError) else _told(error)
