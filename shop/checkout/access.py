"""Who may see an order: its signed-in owner, or the guest session that placed it.

Guests can also come back through a signed link. Everyone else gets 404, never
403, so order numbers cannot be probed.
"""

from datetime import timedelta

from flask import abort, current_app, session
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from shop.models import Order, utcnow
from shop.services import order_summaries, orders
from shop.services.order_summaries import OrderSummary

_SALT = "order-access"


# The session's guest orders: those this browser placed, and those it opened through
# a signed link (which anyone may have sent it). Only the first kind joins the account
# the browser then signs in to.
PLACED, OPENED = "placed_orders", "opened_orders"
# Sessions from before the two were kept apart list both kinds under one name: those
# orders still open, but never join an account.
EITHER = "orders"


def _remember(kind: str, number: str) -> None:
    numbers = [n for n in session.get(kind, []) if isinstance(n, str) and n != number][-19:]
    session[kind] = [*numbers, number]


def remember_placed_order(number: str) -> None:
    _remember(PLACED, number)


def remember_opened_order(number: str) -> None:
    _remember(OPENED, number)


def placed_here() -> list[str]:
    return [n for n in session.get(PLACED, []) if isinstance(n, str)]


def _serializer() -> URLSafeSerializer:
    # Signed with SECRET_KEY; links signed with a key in SECRET_KEY_FALLBACKS still open.
    config = current_app.config
    keys = [*(config["SECRET_KEY_FALLBACKS"] or ()), config["SECRET_KEY"]]
    return URLSafeSerializer(keys, salt=_SALT)


def access_token(order: Order | OrderSummary) -> str:
    return _serializer().dumps(order.number)


def number_from_token(token: str) -> str | None:
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


# After the reservation ends no payment can start, and a bank's page sends its
# customer back within minutes of one.
RETURN_GRACE = timedelta(hours=1)


def opens(order: Order) -> bool:
    """Does a valid signed token still open this order? Always while it is a guest
    order. Once it has joined the account its guest made, only while a payment begun
    as a guest may still bring them back from the bank's page (in another browser or
    app); after that the account is the way back, and a link left in a shared
    browser's history opens nothing."""
    return order.user_id is None or utcnow() < order.reserved_until + RETURN_GRACE


def can_view(order: Order | OrderSummary) -> bool:
    """The signed-in owner, or a browser that placed the order as a guest (or opened
    its signed link), for as long as the link would still open it: a guest order
    stays open to them after it joins an account only while a bank's page may still
    send them back to it."""
    if order.user_id is not None and current_user.is_authenticated and (
        current_user.id == order.user_id
    ):
        return True
    in_session = any(order.number in session.get(kind, []) for kind in (PLACED, OPENED, EITHER))
    return in_session and opens(order)


def order_or_404(number: str, token: str | None = None) -> Order:
    """The order if this visitor may see it; 404 otherwise.

    `token`, the guest order's signed access token, opens it to this browser too (a
    guest sent back from a bank's page in another browser or app)."""
    order = orders.find_order(number)
    if order is not None and token and number_from_token(token) == number and opens(order):
        remember_opened_order(number)
    if order is None or not can_view(order):
        abort(404)
    return order


def summary_or_404(number: str) -> OrderSummary:
    """What this visitor may see of the order, for pages that only show it; 404 otherwise."""
    summary = order_summaries.find_summary(number)
    if summary is None or not can_view(summary):
        abort(404)
    return summary
