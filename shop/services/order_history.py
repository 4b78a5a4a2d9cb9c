"""Order history for admins: filters, search, keyset pages, totals and CSV rows.

Built to stay fast at millions of orders. Pages walk the (created_at, id) index
from a cursor instead of skipping rows with OFFSET, so a page costs the same
deep in the history as at its start and rows inserted meanwhile neither repeat
nor push others out of view. A search term goes to the one indexed column its
shape can match. Each page is a fixed number of queries: the orders, their
payments (one IN query), and the count and totals of what the filter matches.

The count and totals come from the order rollup (orders per UTC day, currency,
status and whether a dispute is open; see `shop.services.order_rollup`) when the
filter is only status, whole days and open disputes, or nothing: a row per day,
currency, status and dispute flag instead of one per order. The other filters
(payment status, search) are selective and have their own indexes, so their
totals are summed over the matching orders.
"""

import base64
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, exists, func, not_, select, tuple_
from sqlalchemy.orm import aliased, selectinload

from shop.extensions import db
from shop.models import MAX_ID, OPEN_DISPUTE_STATUSES, Order, OrderRollup, Payment, User
from shop.money import to_decimal

# The status of an order's latest PaymentIntent; "none" means no intent yet.
PAYMENT_STATUSES = (
    "succeeded",
    "processing",
    "requires_action",
    "requires_payment_method",
    "requires_confirmation",
    "requires_capture",
    "canceled",
    "none",
)
CSV_HEADER = [
    "number",
    "created_at",
    "email",
    "status",
    "currency",
    "total",
    "refunded",
    "payment_status",
    "payment_intent",
    "card_brand",
    "card_last4",
    "dispute_status",
]


@dataclass(frozen=True)
class HistoryFilter:
    """What the admin asked for; empty fields do not filter."""

    status: str | None = None
    payment_status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    dispute_open: bool = False
    search: str = ""


@dataclass(frozen=True)
class Cursor:
    """A position in the history: the (created_at, id) of a row."""

    created_at: datetime
    id: int

    @classmethod
    def of(cls, order: Order) -> "Cursor":
        return cls(order.created_at, order.id)

    def encode(self) -> str:
        text = f"{self.created_at.astimezone(UTC).isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str | None) -> "Cursor | None":
        """The cursor in `token`, or None when it is missing or malformed."""
        if not token or len(token) > 200:
            return None
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            stamp, _, order_id = text.partition("|")
            created_at = datetime.fromisoformat(stamp)
            if created_at.tzinfo is None:
                return None
            number = int(order_id)
            return cls(created_at, number) if 0 < number <= MAX_ID else None
        except (ValueError, UnicodeDecodeError):
            return None


@dataclass
class HistoryPage:
    orders: list[Order]
    newer: Cursor | None  # pass as `before` to see the page above, if there is one
    older: Cursor | None  # pass as `after` to see the next page, if there is one


@dataclass
class CurrencyTotal:
    currency: str
    count: int
    total_minor: int
    refunded_minor: int


@dataclass
class Summary:
    count: int
    totals: list[CurrencyTotal]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _latest_payment_has(*conditions) -> ColumnElement[bool]:
    """The order's latest PaymentIntent (highest id) meets `conditions`."""
    newer = aliased(Payment)
    return exists(
        select(Payment.id).where(
            Payment.order_id == Order.id,
            *conditions,
            ~exists(
                select(newer.id).where(newer.order_id == Payment.order_id, newer.id > Payment.id)
            ),
        )
    )


def _search_condition(term: str) -> ColumnElement[bool]:
    """Match a term by its shape, so each kind of search uses its own index."""
    term = term.strip()
    if "@" in term:
        return Order.email == User.normalize_email(term)  # as place_order stores it
    if term.startswith("pi_"):
        return Order.id.in_(select(Payment.order_id).where(Payment.intent_id == term))
    if len(term) == 4 and term.isdigit():
        return Order.id.in_(select(Payment.order_id).where(Payment.card_last4 == term))
    return Order.number == term.upper()


def conditions(filters: HistoryFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses for `filters`, shared by pages, totals and the CSV export."""
    where = []
    if filters.status:
        where.append(Order.status == filters.status)
    if filters.date_from:
        where.append(Order.created_at >= _day_start(filters.date_from))
    if filters.date_to and filters.date_to < date.max:  # the last day there is bounds nothing
        where.append(Order.created_at < _day_start(filters.date_to + timedelta(days=1)))
    if filters.payment_status == "none":
        where.append(not_(exists(select(Payment.id).where(Payment.order_id == Order.id))))
    elif filters.payment_status:
        where.append(_latest_payment_has(Payment.status == filters.payment_status))
    if filters.dispute_open:
        # sync_dispute keeps the order's dispute_status; a partial index holds only those.
        where.append(Order.dispute_status.in_(OPEN_DISPUTE_STATUSES))
    if filters.search.strip():
        where.append(_search_condition(filters.search))
    return where


def _matching(filters: HistoryFilter) -> Select:
    return select(Order).where(*conditions(filters))


def page(
    filters: HistoryFilter,
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    per_page: int = 25,
) -> HistoryPage:
    """One page of orders, newest first: older than `after`, or newer than `before`."""
    query = _matching(filters).options(selectinload(Order.payments))
    position = tuple_(Order.created_at, Order.id)
    if before is not None:
        query = query.where(position > tuple_(before.created_at, before.id)).order_by(
            Order.created_at.asc(), Order.id.asc()
        )
    else:
        if after is not None:
            query = query.where(position < tuple_(after.created_at, after.id))
        query = query.order_by(Order.created_at.desc(), Order.id.desc())
    rows = list(db.session.execute(query.limit(per_page + 1)).scalars())
    more = len(rows) > per_page
    rows = rows[:per_page]
    if before is not None:
        rows.reverse()
        newer = Cursor.of(rows[0]) if more and rows else None
        older = Cursor.of(rows[-1]) if rows else None
    else:
        newer = Cursor.of(rows[0]) if after is not None and rows else None
        older = Cursor.of(rows[-1]) if more else None
    return HistoryPage(rows, newer, older)


def summarize(filters: HistoryFilter) -> Summary:
    """How many orders match, and what they add up to per currency (one query)."""
    query = _rollup_totals(filters) if _rollup_answers(filters) else _order_totals(filters)
    totals = [
        CurrencyTotal(currency, int(count), int(total), int(refunded))
        for currency, count, total, refunded in db.session.execute(query)
    ]
    return Summary(sum(t.count for t in totals), totals)


def _rollup_answers(filters: HistoryFilter) -> bool:
    """True when the filter names nothing but a status, whole UTC days and open disputes."""
    rest = replace(filters, status=None, date_from=None, date_to=None, dispute_open=False)
    return rest == HistoryFilter()


def _rollup_totals(filters: HistoryFilter) -> Select:
    where = []
    if filters.status:
        where.append(OrderRollup.status == filters.status)
    if filters.date_from:
        where.append(OrderRollup.day >= filters.date_from)
    if filters.date_to:
        where.append(OrderRollup.day <= filters.date_to)
    if filters.dispute_open:
        where.append(OrderRollup.dispute_open)
    count = func.sum(OrderRollup.order_count)
    return (
        select(
            OrderRollup.currency,
            count,
            func.sum(OrderRollup.total_minor),
            func.sum(OrderRollup.refunded_minor),
        )
        .where(*where)
        .group_by(OrderRollup.currency)
        .having(count > 0)  # rows whose orders all moved on to another status
        .order_by(OrderRollup.currency)
    )


def _order_totals(filters: HistoryFilter) -> Select:
    return (
        select(
            Order.currency,
            func.count(),
            func.coalesce(func.sum(Order.total_minor), 0),
            func.coalesce(func.sum(Order.amount_refunded_minor), 0),
        )
        .where(*conditions(filters))
        .group_by(Order.currency)
        .order_by(Order.currency)
    )


def _cell(value: object) -> str:
    """Text for a CSV cell that spreadsheets will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_row(order: Order) -> list[str]:
    payment = order.payments[-1] if order.payments else None
    values = [
        order.number,
        order.created_at.astimezone(UTC).isoformat(),
        order.email,
        order.status,
        order.currency,
        to_decimal(order.total_minor, order.currency),
        to_decimal(order.amount_refunded_minor, order.currency),
        payment.status if payment else "",
        payment.intent_id if payment else "",
        payment.card_brand if payment else "",
        payment.card_last4 if payment else "",
        order.dispute_status,
    ]
    return [_cell(v) for v in values]


def csv_rows(filters: HistoryFilter, *, chunk: int = 1000) -> Iterator[list[str]]:
    """The header, then every matching order newest first, read in chunks.

    `yield_per` streams from a server-side cursor on PostgreSQL, so memory
    stays flat whatever the export's size; each chunk loads its payments with
    one IN query.
    """
    yield CSV_HEADER
    query = (
        _matching(filters)
        .options(selectinload(Order.payments))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .execution_options(yield_per=chunk)
    )
    for order in db.session.execute(query).scalars():
        yield _csv_row(order)
