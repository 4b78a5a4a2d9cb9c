"""The order rollup: how many orders, and their totals, per UTC day, currency, status and
whether a dispute is open."""

from datetime import date

from sqlalchemy import BigInteger, Boolean, Date, String, false, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from shop.extensions import db
from shop.models.order import OPEN_DISPUTE_STATUSES


class OrderRollup(db.Model):
    """One row per (UTC day the orders were placed, currency, status, dispute open).

    `shop.services.order_rollup` keeps it exact in the same transaction as the
    orders it counts; the admin history reads its count and totals from here
    when the filter is only status, dates and open disputes. Rows whose orders
    all moved on stay, with zero counts.
    """

    __tablename__ = "order_rollup"

    day: Mapped[date] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    # The order's dispute_status is one of OPEN_DISPUTE_STATUSES.
    dispute_open: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    order_count: Mapped[int]
    # A day of orders can add up to more than a 32-bit integer holds.
    total_minor: Mapped[int] = mapped_column(BigInteger)
    refunded_minor: Mapped[int] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        disputed = " dispute open" if self.dispute_open else ""
        return (f"<OrderRollup {self.day} {self.currency} {self.status}{disputed}: "
                f"{self.order_count}>")


class utc_day(FunctionElement):
    """The UTC calendar day of a timestamp column, as a DATE, in either database."""

    type = Date()
    name = "utc_day"
    inherit_cache = True


@compiles(utc_day)
def _utc_day_sqlite(element, compiler, **kw) -> str:
    # SQLite keeps timestamps as UTC text (UTCDateTime converts before storing).
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element, compiler, **kw) -> str:
    return f"CAST(timezone('UTC', {compiler.process(element.clauses, **kw)}) AS DATE)"


class dispute_open(FunctionElement):
    """True when a dispute_status column holds an open status; false for NULL too."""

    type = Boolean()
    name = "dispute_open"
    inherit_cache = True


_OPEN_LIST = ", ".join(f"'{status}'" for status in OPEN_DISPUTE_STATUSES)


@compiles(dispute_open)
def _dispute_open(element, compiler, **kw) -> str:
    # The statuses are written into the SQL, not bound: PostgreSQL matches a GROUP BY
    # expression to the selected one only when they are the same text, parameters included.
    column = compiler.process(element.clauses, **kw)
    yes, no = compiler.process(true(), **kw), compiler.process(false(), **kw)
    return f"CASE WHEN {column} IN ({_OPEN_LIST}) THEN {yes} ELSE {no} END"
