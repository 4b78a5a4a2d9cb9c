"""Orders: placing them, reserving stock, the order state machine, expiry.

`transition` is the one place order status changes. It runs on a row locked by
`lock_order`, applies side effects (stock, timeline) exactly once, and is safe
to call again with the same news from any path: page, return URL, webhook,
reconcile or the CLI.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError

from shop.database import insert_or_skip
from shop.extensions import db
from shop.models import Order, OrderEvent, OrderLine, OrderStatus, Product, User, utcnow
from shop.money import MoneyError, check_chargeable, format_money
from shop.services import cart as carts

S = OrderStatus
ALLOWED = {
    S.PENDING: {S.PROCESSING, S.PAID, S.CANCELED},
    S.PROCESSING: {S.PAID, S.PENDING, S.CANCELED},
    S.PAID: {S.PARTIALLY_REFUNDED, S.REFUNDED},
    S.PARTIALLY_REFUNDED: {S.REFUNDED, S.PAID},
    S.REFUNDED: {S.PARTIALLY_REFUNDED, S.PAID},
    S.CANCELED: set(),
}
# Statuses entered at most once in an order's life, but for a return to paid from
# a refund that failed; their timeline entry is keyed.
_ONCE = {S.PAID, S.CANCELED}
_REFUNDED = {S.PARTIALLY_REFUNDED, S.REFUNDED}
_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class OrderError(ValueError):
    """An order that cannot be placed or changed; the message is fit to show."""


def new_number() -> str:
    return "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(10))


def cart_version(cart: dict[str, int]) -> str:
    """A fingerprint of what the customer saw: ids, quantities, prices and availability."""
    view = carts.view(cart)
    text = "|".join(
        f"{line.product.id}:{line.quantity}:{line.product.price_minor}:{line.problem or ''}"
        for line in sorted(view.lines, key=lambda line: line.product.id)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# Built once, as every checkout runs it (see _BY_NUMBER), and on the table: the
# session holds no product rows to keep in step.
_PRODUCTS = Product.__table__
_RESERVE = (
    update(_PRODUCTS)
    .where(
        _PRODUCTS.c.id == bindparam("product_id"),
        _PRODUCTS.c.stock >= bindparam("quantity"),
        _PRODUCTS.c.active.is_(True),
    )
    .values(stock=_PRODUCTS.c.stock - bindparam("quantity"))
)


def _reserve(product_id: int, quantity: int) -> bool:
    """Take stock atomically: succeeds only if enough is left, whoever else is buying."""
    result = db.session.execute(_RESERVE, {"product_id": product_id, "quantity": quantity})
    return result.rowcount == 1


def _release_stock(order: Order) -> None:
    # In product id order, as `place_order` takes them: a release and a checkout that
    # share two products would otherwise each hold one row and wait for the other.
    for line in sorted(order.lines, key=lambda line: line.product_id or 0):
        if line.product_id is not None:
            db.session.execute(
                update(Product)
                .where(Product.id == line.product_id)
                .values(stock=Product.stock + line.quantity)
                .execution_options(synchronize_session=False)
            )


def place_order(
    cart: dict[str, int],
    email: str,
    user: User | None,
    expected_version: str | None = None,
    checkout_key: str | None = None,
) -> Order:
    """Turn a cart into a pending order with database prices, reserving its stock.

    `checkout_key` names the form that sent the cart: sent again, it returns the order
    it placed, even while that is still being placed by the first request.

    Raises OrderError (and reserves nothing, once the caller rolls back) when the
    cart is empty, changed since the customer saw it, or an item ran out.
    """
    placed = placed_with(checkout_key, user)
    if placed is not None:
        return placed
    view = _checked_cart(cart, expected_version)
    order = _new_order(view, email, user, checkout_key)
    # The key is taken before the stock: the same form sent twice at once waits here
    # for the first to end, rather than finding the last item taken by its own order.
    try:
        with db.session.begin_nested():
            db.session.add(order)
            db.session.flush()
    except IntegrityError:
        placed = placed_with(checkout_key, user)
        if placed is None:
            raise
        return placed
    # Always take product rows in id order, so two carts never deadlock each other.
    for line in sorted(view.lines, key=lambda line: line.product.id):
        if not _reserve(line.product.id, line.quantity):
            raise OrderError(f"Sorry, {line.product.name} just sold out; please review your cart.")
    actor = user.email if user else "guest"
    record(order, "placed", f"Order placed by {order.email}.", actor=actor, actor_user=user)
    return order


def placed_with(checkout_key: str | None, user: User | None) -> Order | None:
    """The order a checkout form placed, if it placed one for the same customer."""
    if not checkout_key:
        return None
    order = db.session.execute(
        db.select(Order).where(Order.checkout_key == checkout_key)
    ).scalar_one_or_none()
    if order is not None and order.user_id != (user.id if user else None):
        # Signed in or out in another tab since the form was sent.
        raise OrderError("This checkout was already sent from another account; please"
                         " review your cart and check out again.")
    return order


def _checked_cart(cart: dict[str, int], expected_version: str | None) -> carts.CartView:
    view = carts.view(cart)
    if view.is_empty:
        raise OrderError("Your cart is empty.")
    if view.has_problems:
        raise OrderError("Some items in your cart can't be bought as they are; please review it.")
    if expected_version is not None and expected_version != cart_version(cart):
        raise OrderError("Your cart changed while you were checking out; please review it.")
    try:
        check_chargeable(
            view.subtotal_minor,
            current_app.config["SHOP_CURRENCY"],
            current_app.config["SHOP_LOCALE"],
        )
    except MoneyError as error:
        raise OrderError(f"We can't take this order: {error}") from None
    return view


def _new_order(
    view: carts.CartView, email: str, user: User | None, checkout_key: str | None
) -> Order:
    """The order row and its lines, copying each product's name and price as sold."""
    now = utcnow()
    order = Order(
        number=new_number(),
        user_id=user.id if user else None,
        email=User.normalize_email(email),
        currency=current_app.config["SHOP_CURRENCY"],
        subtotal_minor=view.subtotal_minor,
        total_minor=view.subtotal_minor,
        status=S.PENDING.value,
        reserved_until=now + timedelta(minutes=current_app.config["RESERVATION_MINUTES"]),
        created_at=now,
        checkout_key=checkout_key,
    )
    order.lines = [
        OrderLine(
            product_id=line.product.id,
            product_name=line.product.name,
            unit_price_minor=line.product.price_minor,
            quantity=line.quantity,
            line_total_minor=line.line_total_minor,
        )
        for line in view.lines
    ]
    return order


def money_text(amount_minor: int, order: Order) -> str:
    """An amount in the order's currency, formatted for the shop's locale."""
    return format_money(amount_minor, order.currency, current_app.config["SHOP_LOCALE"])


# Built once: SQLAlchemy spends longer matching a statement built per call to its
# cached compiled form than PostgreSQL spends running it.
_BY_NUMBER = db.select(Order).where(Order.number == bindparam("number"))
# As committed, not as the session read it before the lock.
_LOCK_BY_ID = (
    db.select(Order)
    .where(Order.id == bindparam("order_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def find_order(number: str) -> Order | None:
    if not number or len(number) > 20:
        return None
    return db.session.execute(_BY_NUMBER, {"number": number}).scalar_one_or_none()


def lock_order(order_id: int) -> Order:
    """Reload the order holding its row lock until the transaction ends.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite has no row locks; a no-op write
    takes the database's write lock, which serializes writers the same way.
    """
    if db.engine.dialect.name == "sqlite":
        db.session.execute(update(Order).where(Order.id == order_id).values(id=Order.id))
    return db.session.execute(_LOCK_BY_ID, {"order_id": order_id}).scalar_one()


def record(
    order: Order,
    kind: str,
    message: str,
    *,
    actor: str = "system",
    actor_user: User | None = None,
    key: str | None = None,
    stripe_event_id: str | None = None,
    data: dict | None = None,
) -> bool:
    """Add a timeline entry; True if written. With a `key`, at most once per order.

    One statement: the (order, key) unique constraint turns a second entry with
    the same key, from this path or a concurrent one, into a no-op.
    """
    written = insert_or_skip(
        OrderEvent.__table__,
        {
            "order_id": order.id,
            "kind": kind,
            "message": message,
            "actor": actor,
            "actor_user_id": actor_user.id if actor_user else None,
            "key": key,
            "stripe_event_id": stripe_event_id,
            "data": data,
            "created_at": utcnow(),
        },
        conflict=["order_id", "key"],
        returning="id",
    )
    return written is not None


def transition(
    order: Order,
    new_status: OrderStatus,
    *,
    actor: str,
    message: str,
    stripe_event_id: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Move a locked order to `new_status` if allowed; False (and no effect) otherwise."""
    current = S(order.status)
    if new_status == current or new_status not in ALLOWED[current]:
        return False
    now = now or utcnow()
    order.status = new_status.value
    if new_status == S.PAID and order.paid_at is None:
        # Back to paid when a refund fails, the order keeps the day it was paid (and
        # its revenue stays on that day).
        order.paid_at = now
    if new_status == S.CANCELED:
        order.canceled_at = now
        _release_stock(order)
    once = new_status in _ONCE and current not in _REFUNDED
    key = f"status:{new_status.value}" if once else None
    record(
        order,
        f"status_{new_status.value}",
        message,
        actor=actor,
        key=key,
        stripe_event_id=stripe_event_id,
        data={"from": current.value},
    )
    db.session.flush()
    return True
