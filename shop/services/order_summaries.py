"""An order as its customer's pages show it, read in one statement.

The pay and status pages show an order's lines and totals and change nothing, so
they read a plain snapshot with a single query (order and lines joined) instead
of loading ORM objects: a fraction of the work, and nothing that could be flushed.
The query runs on a connection of the `READS` pool, outside any transaction and
without the ORM session, so it sees what is committed.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from shop.database import READS
from shop.extensions import db
from shop.models import Order, OrderLine


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
