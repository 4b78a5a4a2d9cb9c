"""How the admin order history behaves at 10k, 100k and 1M orders on PostgreSQL.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/bench_admin_history.py [--sizes 10000 100000 1000000] [--runs 15]

Seeds a schema per size (all dropped at the end) with generate_series and recounts
the order rollup from it, as `flask orders rollup` does after a raw load; then times
/admin/orders through the Flask test client for a few typical filters and for a
page deep in the history, counting the SQL statements each page runs. The sizes are
timed in turns, a few runs of each at a time, so that a machine that slows down or
speeds up mid-run slows every size alike instead of skewing the ratio between them.
Prints a table and the 1M/10k ratio of the median times; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, event, text
from werkzeug.datastructures import MultiDict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shop import create_app  # noqa: E402
from shop.admin.forms import HistoryFilterForm  # noqa: E402
from shop.extensions import db  # noqa: E402
from shop.models import Order, User  # noqa: E402
from shop.services import order_history, order_rollup  # noqa: E402
from shop.services.order_history import Cursor  # noqa: E402

SCHEMA = "bench_admin_history"  # one schema per size: bench_admin_history_10000, ...
# Each page is timed in this many turns per size (its runs split between them).
TURNS = 5
ADMIN = ("bench-admin@example.com", "bench-password")

# Orders i = 1..N: newest first as i grows older by 31 s; every 7th pending (its payment
# declined), every 50th refunded. A dispute per 250 orders, open (needs_response) only on
# the newest 10,000 orders, as a dispute is answered within weeks; older ones were won or
# lost. So every size from 10k up has the same 40 open disputes, a full "dispute open"
# page. Regular customers come back (40,000 emails, 9,000 card endings); one order in
# 1,000 is a one-time guest whose card ending (0000-0999) no regular card has.
SEED_ORDERS = """
INSERT INTO "order" (id, number, email, currency, subtotal_minor, shipping_minor, tax_minor,
    total_minor, amount_refunded_minor, status, dispute_status, reserved_until, created_at,
    updated_at, paid_at)
SELECT i, 'B' || lpad(i::text, 9, '0'),
    CASE WHEN i % 1000 = 500 THEN 'guest' || i ELSE 'customer' || (i % 40000) END
        || '@example.com', 'usd',
    1000 + (i % 9000), 0, 0, 1000 + (i % 9000),
    CASE WHEN i % 50 = 0 THEN 1000 + (i % 9000) ELSE 0 END,
    CASE WHEN i % 7 = 0 THEN 'pending' WHEN i % 50 = 0 THEN 'refunded' ELSE 'paid' END,
    CASE WHEN i % 250 <> 0 THEN NULL WHEN i <= 10000 THEN 'needs_response'
         WHEN i % 500 = 0 THEN 'lost' ELSE 'won' END,
    now() - i * interval '31 seconds' + interval '30 minutes',
    now() - i * interval '31 seconds', now() - i * interval '31 seconds',
    CASE WHEN i % 7 = 0 THEN NULL ELSE now() - i * interval '31 seconds' END
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS i
"""
SEED_PAYMENTS = """
INSERT INTO payment (id, order_id, intent_id, amount_minor, currency, status, charge_id,
    card_brand, card_last4, failure_code, amount_refunded_minor, created_at, updated_at)
SELECT i, i, 'pi_bench_' || i, 1000 + (i % 9000), 'usd',
    CASE WHEN i % 7 = 0 THEN 'requires_payment_method' ELSE 'succeeded' END,
    CASE WHEN i % 7 = 0 THEN NULL ELSE 'ch_bench_' || i END,
    'visa', CASE WHEN i % 1000 = 500 THEN lpad((i / 1000 % 1000)::text, 4, '0')
                 ELSE (1000 + i % 9000)::text END,
    CASE WHEN i % 7 = 0 THEN 'card_declined' END,
    CASE WHEN i % 50 = 0 THEN 1000 + (i % 9000) ELSE 0 END,
    now() - i * interval '31 seconds', now() - i * interval '31 seconds'
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS i
"""
SEED_DISPUTES = """
INSERT INTO dispute (order_id, payment_id, stripe_dispute_id, amount_minor, currency, reason,
    status, evidence_due_by, created_at, updated_at)
SELECT i, i, 'dp_bench_' || i, 1000 + (i % 9000), 'usd', 'fraudulent',
    CASE WHEN i <= 10000 THEN 'needs_response' WHEN i % 500 = 0 THEN 'lost' ELSE 'won' END,
    now() + interval '7 days', now(), now()
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS i WHERE i % 250 = 0
"""


def schema_name(size: int) -> str:
    return f"{SCHEMA}_{size}"


def schema_url(base: str, size: int) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema_name(size)}"


def scenarios(size: int) -> list[tuple[str, dict]]:
    return [
        ("first page", {}),
        ("deep page", {"after": None}),  # filled in once the data exists
        ("status=pending", {"status": "pending"}),
        # A one-time guest and the card they paid with: one match at every size, so
        # the search pages compare the same work (a regular customer's orders and a
        # common last4 match more orders the bigger the history, and fill the page).
        ("search email", {"q": "guest5500@example.com"}),
        ("search last4", {"q": "0005", "payment": "succeeded"}),
        ("dispute open", {"dispute": "y"}),
    ]


def seed(first: int, last: int) -> None:
    params = {"first": first, "last": last}
    for statement in (SEED_ORDERS, SEED_PAYMENTS, SEED_DISPUTES):
        db.session.execute(text(statement), params)
    # Raw SQL bypasses the session, so recount the rollup as `flask orders rollup` does.
    order_rollup.rebuild(db.session.connection())
    db.session.commit()
    # Measure the steady state: after a bulk load PostgreSQL's autovacuum would soon
    # start on the new rows and run alongside the timings. Vacuum and analyze now.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def deep_cursor(size: int) -> str:
    """The cursor 30 rows from the oldest end of the history."""
    row = db.session.execute(
        db.select(Order.created_at, Order.id)
        .order_by(Order.created_at.asc(), Order.id.asc())
        .offset(30)
        .limit(1)
    ).one()
    return Cursor(row.created_at, row.id).encode()


def time_parts(query: dict, runs: int) -> tuple[list[float], list[float]]:
    """Times of the service calls alone: the keyset page of rows, and the count + totals."""
    filters = HistoryFilterForm(formdata=MultiDict(query), meta={"csrf": False}).to_filter()
    after = Cursor.decode(query.get("after"))
    rows, totals = [], []
    for _ in range(runs):
        start = time.perf_counter()
        order_history.page(filters, after=after)
        middle = time.perf_counter()
        order_history.summarize(filters)
        totals.append((time.perf_counter() - middle) * 1000)
        rows.append((middle - start) * 1000)
    return rows, totals


def time_page(client: FlaskClient, engine: Engine, query: dict,
              runs: int) -> tuple[list[float], int]:
    """Times of the whole page, and the most SQL statements it ran.

    Each request has its own app context and database session, as when served: the
    signed-in admin is loaded from the database by every page.
    """
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    timings, most = [], 0
    for _ in range(runs):
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        start = time.perf_counter()
        response = client.get("/admin/orders", query_string=query)
        timings.append((time.perf_counter() - start) * 1000)
        event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200
        most = max(most, len(statements))
    return timings, most


@dataclass
class History:
    """One size's schema, its app and a signed-in admin's client, and its timings."""

    size: int
    app: Flask
    client: FlaskClient
    engine: Engine
    queries: dict[str, dict] = field(default_factory=dict)
    pages: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    rows: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    totals: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statements: dict[str, int] = field(default_factory=dict)

    def time_turn(self, runs: int) -> None:
        for name, query in self.queries.items():
            timings, statements = time_page(self.client, self.engine, query, runs)
            self.pages[name] += timings
            self.statements[name] = max(statements, self.statements.get(name, 0))
            with self.app.test_request_context():
                rows, totals = time_parts(query, runs)
            self.rows[name] += rows
            self.totals[name] += totals

    def results(self) -> dict[str, tuple[float, float, int, float, float]]:
        return {name: (statistics.median(self.pages[name]), p95(self.pages[name]),
                       self.statements[name], statistics.median(self.rows[name]),
                       statistics.median(self.totals[name]))
                for name in self.queries}


def p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def prepare(base: str, size: int) -> History:
    """A schema of `size` orders, and an app on it with a signed-in admin."""
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": schema_url(base, size), "SECRET_KEY": "bench",
        "TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        db.create_all()
        user = User(email=ADMIN[0], is_admin=True)
        user.set_password(ADMIN[1])
        db.session.add(user)
        db.session.commit()
        client = app.test_client()
        client.post("/auth/login", data={"email": ADMIN[0], "password": ADMIN[1]})
        started = time.perf_counter()
        seed(1, size)
        print(f"seeded {size:>9,} orders in {time.perf_counter() - started:6.1f} s", flush=True)
        history = History(size, app, client, db.engine)
        for name, query in scenarios(size):
            history.queries[name] = {"after": deep_cursor(size)} if "after" in query else query
    for query in history.queries.values():  # warm up: compiled statements, caches
        for _ in range(3):
            client.get("/admin/orders", query_string=query)
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="Keep the schemas to EXPLAIN later.")
    args = parser.parse_args()
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        raise SystemExit("Set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL URL.")
    sizes = sorted(args.sizes)
    admin_engine = create_engine(base)
    with admin_engine.begin() as conn:
        for size in sizes:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema_name(size)}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema_name(size)}"'))
    try:
        histories = [prepare(base, size) for size in sizes]
        per_turn = [args.runs // TURNS + (turn < args.runs % TURNS) for turn in range(TURNS)]
        for runs in filter(None, per_turn):
            for history in histories:
                history.time_turn(runs)
        results = {(h.size, name): value for h in histories for name, value in h.results().items()}
    finally:
        if not args.keep:
            with admin_engine.begin() as conn:
                for size in sizes:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema_name(size)}" CASCADE'))
        admin_engine.dispose()
    report(results, sizes)


def report(results: dict, sizes: list[int]) -> None:
    names = [name for name, _ in scenarios(0)]
    print()
    print("Whole page through the test client (p50, p95), SQL statements per page, and the")
    print("p50 of its two parts: the keyset page of rows, and the count + totals of the filter.")
    print()
    print(f"{'orders':>10} | {'page':<14} | {'p50 ms':>8} | {'p95 ms':>8} | {'queries':>7} | "
          f"{'rows ms':>8} | {'totals ms':>9}")
    print("-" * 84)
    for size in sizes:
        for name in names:
            p50, p95, queries, rows, totals = results[size, name]
            print(f"{size:>10,} | {name:<14} | {p50:8.1f} | {p95:8.1f} | {queries:>7} | "
                  f"{rows:8.1f} | {totals:9.1f}")
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print()
        print(f"p50 ratio {large:,} / {small:,} orders (whole page, rows part):")
        for name in names:
            page_ratio = results[large, name][0] / results[small, name][0]
            rows_ratio = results[large, name][3] / results[small, name][3]
            print(f"  {name:<14} {page_ratio:6.2f}x {rows_ratio:6.2f}x")


if __name__ == "__main__":
    main()
