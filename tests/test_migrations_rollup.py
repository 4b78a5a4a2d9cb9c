"""Migration 0003 fills the order rollup from the orders already there, on both databases,
per UTC day, currency, status and whether a dispute is open; its downgrade drops the
rollup and leaves the orders untouched, and upgrading again counts them afresh."""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, inspect, text
from sqlalchemy.orm import defer

from shop.cli import init_migrations
from shop.extensions import db
from shop.models import Order
from shop.services import order_rollup
from tests.conftest import make_test_app
from tests.test_migrations import fresh_database  # noqa: F401  (the fixture)

MIDNIGHT = datetime(2026, 3, 2, tzinfo=UTC)
TICK = timedelta(microseconds=1)
DAY = MIDNIGHT.date()
# (created_at, currency, status, total, refunded, dispute_status)
EXISTING = [
    (MIDNIGHT - TICK, "usd", "paid", 1000, 0, None),
    (MIDNIGHT - timedelta(hours=5), "usd", "paid", 2000, 0, "needs_response"),
    (MIDNIGHT - timedelta(hours=6), "usd", "paid", 500, 0, "won"),
    (MIDNIGHT, "usd", "paid", 4000, 0, "warning_under_review"),
    (MIDNIGHT, "usd", "partially_refunded", 8000, 500, None),
    (MIDNIGHT + timedelta(hours=23), "eur", "pending", 1600, 0, None),
    (MIDNIGHT + timedelta(days=1), "usd", "refunded", 3200, 3200, "lost"),
]
# (day, currency, status, dispute open, orders, total, refunded)
BY_STATUS_AND_DISPUTE = [
    (DAY - timedelta(days=1), "usd", "paid", False, 2, 1500, 0),
    (DAY - timedelta(days=1), "usd", "paid", True, 1, 2000, 0),
    (DAY, "eur", "pending", False, 1, 1600, 0),
    (DAY, "usd", "paid", True, 1, 4000, 0),
    (DAY, "usd", "partially_refunded", False, 1, 8000, 500),
    (DAY + timedelta(days=1), "usd", "refunded", False, 1, 3200, 3200),
]


def rollup_rows() -> list[tuple]:
    """The rollup as stored, read with plain SQL rather than through the model."""
    key = "day, currency, status, dispute_open"
    with db.engine.connect() as conn:
        rows = conn.execute(text(
            f"SELECT {key}, order_count, total_minor, refunded_minor FROM order_rollup "
            f"ORDER BY {key}"
        )).all()
    # SQLite hands dates back as text (and booleans as 1 and 0, which equal True and False).
    return [(date.fromisoformat(str(day)), *rest) for day, *rest in rows]


def rollup_key() -> list[str]:
    return inspect(db.engine).get_pk_constraint("order_rollup")["constrained_columns"]


@pytest.mark.parametrize(
    "fresh_database",
    ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    indirect=True,
)
def test_the_upgrade_counts_existing_orders_and_the_downgrade_keeps_them(fresh_database):  # noqa: F811
    url, _ = fresh_database
    app = make_test_app(url)
    init_migrations(app)
    with app.app_context():
        upgrade(revision="0002")
        with db.engine.begin() as conn:
            conn.execute(insert(Order.__table__), [
                {"number": f"M{n:04d}", "email": "ann@example.com", "currency": currency,
                 "subtotal_minor": total, "shipping_minor": 0, "tax_minor": 0,
                 "total_minor": total, "amount_refunded_minor": refunded, "status": status,
                 "dispute_status": dispute, "reserved_until": created_at,
                 "created_at": created_at, "updated_at": created_at}
                for n, (created_at, currency, status, total, refunded, dispute)
                in enumerate(EXISTING)
            ])
        upgrade(revision="0003")
        assert rollup_key() == ["day", "currency", "status", "dispute_open"]
        assert rollup_rows() == BY_STATUS_AND_DISPUTE
        with db.engine.connect() as conn:
            assert order_rollup.drift(conn) == []
        # The application adds to the migrated key: a dispute opening moves its order's share.
        undisputed = db.session.execute(
            db.select(Order).where(Order.total_minor == 1000)
            .options(defer(Order.checkout_key))  # added by a later migration
        ).scalar_one()
        undisputed.dispute_status = "under_review"
        db.session.commit()
        assert order_rollup.drift(db.session.connection()) == []
        db.session.remove()
        moved = rollup_rows()
        assert moved[:2] == [(DAY - timedelta(days=1), "usd", "paid", False, 1, 500, 0),
                             (DAY - timedelta(days=1), "usd", "paid", True, 2, 3000, 0)]
        assert moved[2:] == BY_STATUS_AND_DISPUTE[2:]

        downgrade(revision="0002")
        assert "order_rollup" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            assert conn.execute(text('SELECT count(*) FROM "order"')).scalar() == len(EXISTING)

        # Upgrading again counts the orders as they are now, the opened dispute included.
        upgrade(revision="0003")
        assert rollup_key() == ["day", "currency", "status", "dispute_open"]
        assert rollup_rows() == moved
        with db.engine.connect() as conn:
            assert order_rollup.drift(conn) == []
        db.engine.dispose()
