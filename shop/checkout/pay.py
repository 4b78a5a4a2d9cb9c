"""The pay page and its JSON endpoints: create the intent, pay with a saved card,
confirm, and the return URL. None of them trusts the browser's word on an outcome:
each asks Stripe and goes through `payments.sync_payment`, unless the shop already
holds the intent as succeeded or canceled, states Stripe never moves it out of."""

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from shop.checkout import access
from shop.checkout.blueprint import bp
from shop.extensions import db, limiter
from shop.models import OrderStatus, SavedCard, utcnow
from shop.services import card_events, cards, confirmations, customers, intents, stripe_client
from shop.services.orders import OrderError
from shop.web.limits import counted_unless
from shop.web.readonly import reads_only
from shop.web.requests import json_object, valid_request_key

TOO_MANY = "Too many payment attempts. Please wait a minute and try again."
CARD_UNAVAILABLE = "That card is no longer available. Choose another card or enter a new one."


def _intent_limit() -> str:
    return current_app.config["INTENT_RATE_LIMIT"]


def _per_order() -> str:
    return f"order:{request.view_args.get('number')}" if request.view_args else "order:?"


def _order_was_visible(response) -> bool:
    """Only requests from visitors who may see the order use up its allowance: a
    stranger's (answered 404) must not be able to block its owner from paying."""
    return response.status_code != 404


def _signed_in_user():
    return current_user if current_user.is_authenticated else None


def _card_holder(order):
    """The signed-in customer whose order this is. Only they may save a card on it or
    pay it with a saved card: anyone else who can open it (a guest's shared link) pays
    as a guest does, so nobody can have another person's card saved to their account."""
    user = _signed_in_user()
    return user if user is not None and order.user_id == user.id else None


def _json_error(message: str, status: int = 400):
    db.session.rollback()
    return jsonify(error=message), status


def _no_longer_payable(order):
    """The answer to a payment attempt on an order paid (or cancelled) meanwhile, in
    another tab or by a payment whose answer the page lost: its status page."""
    message = f"This order is {order.status.replace('_', ' ')}; there is nothing left to pay."
    return jsonify(error=message, redirect=url_for("checkout.status", number=order.number)), 409


def _paid_meanwhile(order):
    """Pay clicked on an order whose last attempt Stripe reports paid (its page's report
    was lost): what Stripe said is kept, and the customer sent to the order."""
    db.session.commit()
    return _no_longer_payable(order)


def _told(error: OrderError | stripe_client.PaymentsError) -> str:
    """What the customer is told: the order's reason, or Stripe's in customer words."""
    if isinstance(error, stripe_client.PaymentsError):
        return error.customer_message
    return str(error)


@bp.get("/orders/<number>/pay")
@reads_only
def pay(number: str):
    order = access.summary_or_404(number)
    if order.status != OrderStatus.PENDING:
        return redirect(url_for("checkout.status", number=number))
    holder = _card_holder(order)
    return render_template(
        "checkout/pay.html",
        order=order,
        card_holder=holder,
        saved_cards=cards.usable_cards(holder) if holder else [],
        publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"],
        return_url=_return_url(order),
        # Past its hold, an order keeps its items until expiry cancels it (minutes, run
        # by cron): it can still be paid, but the page must not say it is held.
        hold_ran_out=order.reserved_until <= utcnow(),
    )


def _return_url(order) -> str:
    """Where Stripe sends the customer back after a bank's page. A guest may come back
    in another browser or app, without the session that placed the order: their URL
    carries the order's signed access token, as the status page's link does."""
    token = access.access_token(order) if order.user_id is None else None
    return url_for("checkout.payment_return", number=order.number, access=token,
                   _external=True)


@bp.post("/orders/<number>/intent")
@limiter.limit(_intent_limit, error_message=TOO_MANY)
@limiter.limit("30/hour", key_func=_per_order, error_message=TOO_MANY)
@counted_unless(_order_was_visible, "order:", limiter)
def create_intent(number: str):
    order = access.order_or_404(number)
    if order.status != OrderStatus.PENDING:
        return _no_longer_payable(order)
    user = _card_holder(order)
    save_card = json_object().get("save_card") is True and user is not None
    try:
        if save_card:
            intent = customers.with_customer(user, lambda customer_id: intents.ensure_intent(
                order, customer_id=customer_id, save_card=True))
        else:
            intent = intents.ensure_intent(order, customer_id=None, save_card=False)
    except intents.NoLongerPayable:
        return _paid_meanwhile(order)
    except (OrderError, stripe_client.PaymentsError) as error:
        return _json_error(_told(error))
    db.session.commit()
    return jsonify(client_secret=intent["client_secret"], intent_id=intent["id"])


@bp.post("/orders/<number>/saved-card")
@limiter.limit(_intent_limit, error_message=TOO_MANY)
@limiter.limit("30/hour", key_func=_per_order, error_message=TOO_MANY)
@counted_unless(_order_was_visible, "order:", limiter)
def pay_with_saved_card(number: str):
    """JSON: {card_id, attempt} → the intent's status; `attempt` is the page's key for
    this click, so a retry of the click confirms once and a new click confirms again."""
    order = access.order_or_404(number)
    body = json_object()
    card_id = str(body.get("card_id", ""))
    card = _own_card(card_id, _card_holder(order))
    if order.status != OrderStatus.PENDING:
        return _no_longer_payable(order)
    attempt = valid_request_key(body.get("attempt"))
    if attempt is None:
        return _json_error("Reload the page and try again.")
    try:
        intent = intents.saved_card_intent(order, current_user)
        db.session.commit()  # the attempt is on record before any money moves
        # Asked again: the card may have been removed (another tab, its webhook) meanwhile.
        card = _own_card(card_id, _card_holder(order))
        intent = intents.pay_with_saved_card(order, intent, card, _return_url(order), attempt)
    except intents.NoLongerPayable:
        return _paid_meanwhile(order)
    except stripe_client.CardDeclined as error:
        db.session.commit()  # the declined attempt stays on the timeline
        return jsonify(error=error.message), 402
    except stripe_client.InvalidRequest as error:
        return _refused_card(card.stripe_payment_method_id, error)
    except (OrderError, stripe_client.PaymentsError) as error:
        return _json_error(_told(error))
    db.session.commit()
    return jsonify(
        status=intent["status"],
        client_secret=intent["client_secret"],
        intent_id=intent["id"],
        redirect=url_for("checkout.status", number=number),
    )


def _refused_card(payment_method_id: str, error: stripe_client.InvalidRequest):
    """Stripe refused the saved card. One detached or deleted at Stripe, whose webhook
    was lost, would be refused on every click: it is forgotten and the customer told.
    Given the card's payment method: after the rollback the card may be a deleted row."""
    db.session.rollback()
    try:
        gone = card_events.forget_if_gone(payment_method_id)
    except stripe_client.PaymentsError as reread_error:
        return _json_error(_told(reread_error))
    if not gone:
        return _json_error(_told(error))
    db.session.commit()
    return jsonify(error=card_events.CARD_GONE, card_gone=True), 409


def _own_card(card_id: str, user) -> SavedCard:
    """`user`'s usable saved card, or 404 with words for the page.

    A card removed in another tab or expired while the page was open gets the same
    answer as someone else's, which must not be told from a missing one.
    """
    readable = card_id.isascii() and card_id.isdigit() and len(card_id) < 10
    card = db.session.get(SavedCard, int(card_id)) if readable else None
    if user is None or card is None or card.user_id != user.id or card.is_expired():
        # card_gone: the page takes the card off its list and offers a new card.
        abort(make_response(jsonify(error=CARD_UNAVAILABLE, card_gone=True), 404))
    return card


@bp.post("/orders/<number>/confirm")
@limiter.limit(_intent_limit, error_message=TOO_MANY)  # each report asks Stripe
def confirm(number: str):
    order = access.order_or_404(number)
    intent_id = json_object().get("payment_intent")
    try:
        order = confirmations.confirm_from_stripe(order, str(intent_id or ""), source="pay page")
    except confirmations.PaymentMismatch:
        return _json_error("That payment does not belong to this order.", 404)
    except stripe_client.PaymentsError as error:
        return _json_error(error.customer_message, 503)
    status = order.status  # read before the commit expires it
    db.session.commit()
    return jsonify(status=status, redirect=url_for("checkout.status", number=number))


@bp.get("/orders/<number>/return")
@limiter.limit(_intent_limit, error_message=TOO_MANY)  # each visit asks Stripe
def payment_return(number: str):
    """Stripe sends the customer back here after 3-D Secure or a redirect.

    The query string only hints which attempt this was; the intent is looked up
    among the order's own payments and its state is taken from Stripe.
    """
    order = access.order_or_404(number, token=request.args.get("access"))
    hinted = request.args.get("payment_intent")
    intent_id = hinted if hinted in {p.intent_id for p in order.payments} else None
    intent_id = intent_id or intents.latest_intent_id(order)
    if intent_id:
        try:
            order = confirmations.confirm_from_stripe(order, intent_id, source="return page")
            failed = order.status == OrderStatus.PENDING and confirmations.failure_of(intent_id)
            db.session.commit()
        except (stripe_client.PaymentsError, confirmations.PaymentMismatch):
            # The status page says "not paid yet": webhooks will follow, and a payment
            # that is not this order's (changed at Stripe) never counts.
            db.session.rollback()
        else:
            if failed:
                # Declined, or the bank's check failed: say why, beside the form, as
                # the page itself does when it stays in place.
                flash(failed, "error")
                return redirect(url_for("checkout.pay", number=number))
    return redirect(url_for("checkout.status", number=number))
