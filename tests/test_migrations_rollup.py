"""Migration 0003 fills the order rollup from the orders already there, on both databases."""

from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, inspect, select

from shop.extensions import db
from shop.models import Order, OrderRollup
from shop.services import order_rollup
from tests.conftest import make_test_app
from tests.test_migrations import fresh_database  # noqa: F401  (the fixture)

MIDNIGHT = datetime(2026, 3, 2, tzinfo=UTC)
TICK = timedelta(microseconds=1)
# (created_at, currency, status, total, refunded)
EXISTING = [
    (MIDNIGHT - TICK, "usd", "paid", 1000, 0),
    (MIDNIGHT - timedelta(hours=5), "usd", "paid", 2000, 0),
    (MIDNIGHT, "usd", "paid", 4000, 0),
    (MIDNIGHT, "usd", "partially_refunded", 8000, 500),
    (MIDNIGHT + timedelta(hours=23), "eur", "pending", 1600, 0),
    (MIDNIGHT + timedelta(days=1), "usd", "refunded", 3200, 3200),
]


@pytest.mark.parametrize(
    "fresh_database",
    ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    indirect=True,
)
def test_the_upgrade_counts_existing_orders_and_the_downgrade_keeps_them(fresh_database):  # noqa: F811
    url, _ = fresh_database
    app = make_test_app(url)
    with app.app_context():
        upgrade(revision="0002")
        with db.engine.begin() as conn:
            conn.execute(insert(Order.__table__), [
                {"number": f"M{n:04d}", "email": "ann@example.com", "currency": currency,
                 "subtotal_minor": total, "shipping_minor": 0, "tax_minor": 0,
                 "total_minor": total, "amount_refunded_minor": refunded, "status": status,
                 "reserved_until": created_at, "created_at": created_at,
                 "updated_at": created_at}
                for n, (created_at, currency, status, total, refunded) in enumerate(EXISTING)
            ])
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(select(OrderRollup.__table__).order_by(
                OrderRollup.day, OrderRollup.currency, OrderRollup.status)).all()
            assert order_rollup.drift(conn) == []
        day = MIDNIGHT.date()
        assert [tuple(row) for row in rows] == [
            (day - timedelta(days=1), "usd", "paid", 2, 3000, 0),
            (day, "eur", "pending", 1, 1600, 0),
            (day, "usd", "paid", 1, 4000, 0),
            (day, "usd", "partially_refunded", 1, 8000, 500),
            (day + timedelta(days=1), "usd", "refunded", 1, 3200, 3200),
        ]
        downgrade(revision="0002")
        assert "order_rollup" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            assert conn.execute(select(db.func.count()).select_from(Order.__table__)).scalar() == 6
        db.engine.dispose()
