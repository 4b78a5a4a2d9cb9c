"""An order as its customer's pages show it, read in one statement.

The pay and status pages show an order's lines and totals and change nothing, so
they read a plain snapshot with a single query (order and lines joined) instead
of loading ORM objects: a fraction of the work, and nothing that could be flushed.
The query runs on a connection of the `READS` pool, outside any transaction and
without the ORM session, so it sees what is committed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, or_, select

from shop.database import READS
from shop.extensions import db
from shop.models import Order, OrderEvent, OrderLine, OrderStatus, Payment
from shop.services.confirmations import in_words


@dataclass(frozen=True)
class LineSummary:
    product_name: str
    quantity: int
    unit_price_minor: int
    line_total_minor: int


@dataclass(frozen=True)
class OrderSummary:
    """What the customer sees of an order; field names are the model's."""

    id: int
    number: str
    user_id: int | None
    email: str
    currency: str
    status: str
    subtotal_minor: int
    shipping_minor: int
    tax_minor: int
    total_minor: int
    amount_refunded_minor: int
    reserved_until: datetime
    lines: tuple[LineSummary, ...]


_ORDER_COLUMNS = [getattr(Order, name) for name in list(OrderSummary.__annotations__)[:-1]]
_LINE_COLUMNS = [getattr(OrderLine, name) for name in LineSummary.__annotations__]
# Built once: SQLAlchemy spends longer matching a statement built per call to its
# cached compiled form than PostgreSQL spends running it.
_BY_NUMBER = (
    select(*_ORDER_COLUMNS, *_LINE_COLUMNS)
    .outerjoin(OrderLine, OrderLine.order_id == Order.id)
    .where(Order.number == bindparam("number"))
    .order_by(OrderLine.id)
)


def find_summary(number: str) -> OrderSummary | None:
    """The order with this number and its lines, or None."""
    if not number or len(number) > 20:
        return None
    with db.engines[READS].connect() as connection:
        rows = connection.execute(_BY_NUMBER, {"number": number}).all()
    if not rows:
        return None
    split = len(_ORDER_COLUMNS)
    lines = tuple(LineSummary(*row[split:]) for row in rows if row.product_name is not None)
    return OrderSummary(*rows[0][:split], lines=lines)


# What the order page adds for an order that is not paid, read as the summary is.
_LAST_PAYMENT = (
    select(Payment.status, Payment.failure_code, Payment.failure_message)
    .where(Payment.order_id == bindparam("order_id"))
    .order_by(Payment.id.desc())
    .limit(1)
)
_CANCELLED_BY = select(OrderEvent.actor).where(
    OrderEvent.order_id == bindparam("order_id"),
    OrderEvent.kind == f"status_{OrderStatus.CANCELED.value}",
)
_CHARGED = select(Payment.id).where(
    Payment.order_id == bindparam("order_id"), Payment.status == "succeeded"
)


def last_failure(order: OrderSummary) -> str | None:
    """Why the order's latest payment failed, in words for the customer; None if it
    did not, or was never tried. A payment that fails after the bank took its time
    sends its customer back to an unpaid order, which must say why."""
    with db.engines[READS].connect() as connection:
        row = connection.execute(_LAST_PAYMENT, {"order_id": order.id}).one_or_none()
    if row is None or row.status != "requires_payment_method":
        return None
    return in_words(row.failure_code, row.failure_message)


@dataclass(frozen=True)
class Cancelled:
    """What the customer is told about a cancelled order."""

    by: str  # "expiry", "stripe" (its payment was cancelled there) or "shop"
    charged: bool  # a payment arrived afterwards; the admin was told to refund it


def how_cancelled(order: OrderSummary) -> Cancelled:
    with db.engines[READS].connect() as connection:
        actor = connection.execute(_CANCELLED_BY, {"order_id": order.id}).scalar()
        charged = connection.execute(_CHARGED, {"order_id": order.id}).first() is not None
    return Cancelled(by=actor if actor in ("expiry", "stripe") else "shop", charged=charged)


@dataclass(frozen=True)
class AwaitingPayment:
    """A pending order as the cart page mentions it; field names are the model's."""

    number: str
    user_id: int | None
    total_minor: int
    currency: str
    reserved_until: datetime


_AWAITING_COLUMNS = [getattr(Order, name) for name in AwaitingPayment.__annotations__]


def awaiting_payment(
    numbers: Sequence[str], user_id: int | None, most: int
) -> list[AwaitingPayment]:
    """The newest `most` orders still waiting for payment among `numbers` (those a
    browser placed) and those of the user `user_id`. Reads nothing when there are
    neither: a visitor who never checked out costs no query."""
    whose = []
    if numbers:
        whose.append(Order.number.in_(list(numbers)))
    if user_id is not None:
        whose.append(Order.user_id == user_id)
    if not whose:
        return []
    query = (
        select(*_AWAITING_COLUMNS)
        .where(Order.status == OrderStatus.PENDING.value, or_(*whose))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(most)
    )
    with db.engines[READS].connect() as connection:
        return [AwaitingPayment(*row) for row in connection.execute(query)]
