"""The order rollup as stored, and as it should be: every order grouped in Python."""

from collections import defaultdict
from datetime import UTC

from sqlalchemy import select

from shop.extensions import db
from shop.models import OPEN_DISPUTE_STATUSES, Order, OrderRollup


def counted_from_orders() -> dict[tuple, tuple[int, int, int]]:
    """{(UTC day, currency, status, dispute open): (orders, total, refunded)} computed from
    every order."""
    rows = db.session.execute(
        select(Order.created_at, Order.currency, Order.status, Order.dispute_status,
               Order.total_minor, Order.amount_refunded_minor)
    )
    groups: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for created_at, currency, status, dispute, total, refunded in rows:
        day = created_at.astimezone(UTC).date()
        sums = groups[(day, currency, status, dispute in OPEN_DISPUTE_STATUSES)]
        sums[0] += 1
        sums[1] += total
        sums[2] += refunded
    return {key: tuple(sums) for key, sums in groups.items()}


def stored_rollup() -> dict[tuple, tuple[int, int, int]]:
    """The rollup's rows, leaving out those that count nothing (orders that moved on)."""
    rows = db.session.execute(
        select(OrderRollup.day, OrderRollup.currency, OrderRollup.status,
               OrderRollup.dispute_open, OrderRollup.order_count, OrderRollup.total_minor,
               OrderRollup.refunded_minor)
    )
    return {(day, currency, status, disputed): tuple(sums)
            for day, currency, status, disputed, *sums in rows if any(sums)}


def assert_rollup_exact() -> None:
    assert stored_rollup() == counted_from_orders()
