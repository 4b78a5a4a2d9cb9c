"""The order rollup: exact after any mix of writes, rolled back with its transaction, read
by the history's count and totals for status, date and open-dispute filters, and rebuilt by a
command."""

import itertools
import re
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, insert, inspect, select, text, update

from shop.extensions import db
from shop.models import OPEN_DISPUTE_STATUSES, Order, OrderRollup, OrderStatus
from shop.services import order_history, order_rollup
from shop.services.order_history import CurrencyTotal, HistoryFilter, Summary
from shop.web.templating import money
from tests.admin.rollup_support import assert_rollup_exact, counted_from_orders, stored_rollup

EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MIDNIGHT = datetime(2026, 3, 2, tzinfo=UTC)
TICK = timedelta(microseconds=1)
# Moments on both sides of two UTC midnights, and anywhere in the days around them.
MOMENTS = st.one_of(
    st.sampled_from([MIDNIGHT - TICK, MIDNIGHT, MIDNIGHT + timedelta(days=1) - TICK,
                     MIDNIGHT + timedelta(days=1)]),
    st.integers(-2 * 86400, 2 * 86400).map(lambda s: MIDNIGHT + timedelta(seconds=s)),
)
DAYS = st.integers(-3, 3).map(lambda n: MIDNIGHT.date() + timedelta(days=n))
STATUSES = [s.value for s in OrderStatus]
# No dispute, two open ones and two closed ones.
DISPUTES = [None, "needs_response", "under_review", "won", "lost"]
CURRENCIES = ["eur", "jpy", "usd"]
TOTALS = st.integers(50, 10**6)
_numbers = itertools.count(1)


def new_order(currency="usd", created_at=MIDNIGHT, total=2500, status="paid", refunded=0,
              dispute=None):
    """An order added to the session (not yet flushed), as checkout would build it."""
    order = Order(
        number=f"R{next(_numbers):09d}", email="ann@example.com", currency=currency,
        subtotal_minor=total, total_minor=total, amount_refunded_minor=min(refunded, total),
        status=status, reserved_until=created_at + timedelta(minutes=30), created_at=created_at,
        dispute_status=dispute,
    )
    db.session.add(order)
    return order


def clear_orders() -> None:
    db.session.rollback()
    db.session.execute(delete(OrderRollup.__table__))
    db.session.execute(delete(Order.__table__))
    db.session.commit()


# --- the rollup follows every write ----------------------------------------------------

class Undo(Exception):
    """Raised inside a savepoint to roll it back."""


def writable(order: Order) -> bool:
    state = inspect(order)
    return (state.persistent or state.pending) and order not in db.session.deleted


def apply(op: tuple, live: list[Order]) -> None:
    """Carry out one write the way application code would, through the ORM."""
    kind, *args = op
    if kind == "place":
        currency, created_at, total, status, dispute = args
        live.append(new_order(currency, created_at, total, status, dispute=dispute))
        return
    if kind == "flush":
        db.session.flush()
        return
    if kind == "savepoint" and db.engine.dialect.name == "sqlite":
        # pysqlite commits a savepoint that opened the transaction when it is released,
        # whatever the transaction does next; the shop never writes orders in one.
        for inner in args[0]:
            apply(inner, live)
        return
    if kind in ("savepoint", "undone_savepoint"):
        with suppress(Undo), db.session.begin_nested():
            for inner in args[0]:
                apply(inner, live)
            if kind == "undone_savepoint":
                raise Undo
        return
    candidates = [order for order in live if writable(order)]
    if not candidates:
        return
    order = candidates[args[0] % len(candidates)]
    if kind == "status":
        order.status = args[1]
    elif kind == "refund":
        order.amount_refunded_minor = min(args[1], order.total_minor)
    elif kind == "total":
        # Read first: loading an expired field autoflushes, and a total below the
        # refunded amount must never reach the database on its own.
        refunded = min(order.amount_refunded_minor, args[1])
        order.subtotal_minor = order.total_minor = args[1]
        order.amount_refunded_minor = refunded
    elif kind == "dispute":  # as sync_dispute keeps it: opened, answered, closed, or none
        order.dispute_status = args[1]
    elif kind == "currency":
        order.currency = args[1]
    elif kind == "redate":
        order.created_at = args[1]
    elif kind == "expire" and inspect(order).persistent:
        db.session.expire(order)  # the next write sets a field that was never loaded
    elif kind == "delete":
        if inspect(order).pending:
            db.session.expunge(order)
        else:
            db.session.delete(order)


WHICH = st.integers(0, 30)
OPS = st.one_of(
    st.tuples(st.just("place"), st.sampled_from(CURRENCIES), MOMENTS, TOTALS,
              st.sampled_from(STATUSES), st.sampled_from(DISPUTES)),
    st.tuples(st.just("status"), WHICH, st.sampled_from(STATUSES)),
    st.tuples(st.just("dispute"), WHICH, st.sampled_from(DISPUTES)),
    st.tuples(st.just("refund"), WHICH, TOTALS),
    st.tuples(st.just("total"), WHICH, TOTALS),
    st.tuples(st.just("currency"), WHICH, st.sampled_from(CURRENCIES)),
    st.tuples(st.just("redate"), WHICH, MOMENTS),
    st.tuples(st.just("expire"), WHICH),
    st.tuples(st.just("delete"), WHICH),
    st.just(("flush",)),
)
TRANSACTIONS = st.lists(
    st.tuples(
        st.lists(st.one_of(OPS, st.tuples(st.sampled_from(["savepoint", "undone_savepoint"]),
                                           st.lists(OPS, max_size=4))),
                 max_size=8),
        st.sampled_from(["commit", "commit", "rollback"]),
    ),
    min_size=1,
    max_size=6,
)


@EXAMPLES
@given(transactions=TRANSACTIONS)
def test_the_rollup_equals_a_group_by_over_the_orders_after_any_mix_of_writes(
    app, transactions
):
    clear_orders()
    for ops, ending in transactions:
        live = list(db.session.execute(select(Order).order_by(Order.id)).scalars())
        for op in ops:
            apply(op, live)
        if ending == "commit":
            db.session.commit()
        else:
            db.session.rollback()
        assert_rollup_exact()
        for f in DISPUTE_FILTERS:
            assert order_history.summarize(f) == reference_summary(f), f


def test_a_rolled_back_transaction_leaves_the_rollup_unchanged(app):
    kept = new_order(status="pending", total=1000)
    db.session.commit()
    before = stored_rollup()
    assert before == {(MIDNIGHT.date(), "usd", "pending", False): (1, 1000, 0)}

    kept.status = "paid"
    new_order(currency="eur", total=700)
    db.session.flush()
    db.session.rollback()
    assert stored_rollup() == before

    # A savepoint rolled back undoes its part; the rest of the transaction still counts.
    kept.status = "processing"
    with suppress(Undo), db.session.begin_nested():
        kept.status = "paid"
        new_order(currency="eur", total=700)
        db.session.flush()
        raise Undo
    db.session.commit()
    assert stored_rollup() == {(MIDNIGHT.date(), "usd", "processing", False): (1, 1000, 0)}


def test_rollup_rows_are_written_last_and_in_key_order(app):
    """At commit, after every other write, so that commits adding to the same hot rows
    lock them last and in one fixed order, and cannot deadlock each other."""
    older = new_order(created_at=MIDNIGHT - timedelta(days=3), status="pending")
    db.session.commit()
    written: list[tuple[str, dict]] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        written.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        new_order(created_at=MIDNIGHT, currency="usd", status="pending")
        new_order(created_at=MIDNIGHT, currency="usd", status="pending", dispute="needs_response")
        new_order(created_at=MIDNIGHT, currency="eur", status="paid")
        with db.session.begin_nested():  # a savepoint, released: still nothing written
            older.status = "canceled"
        db.session.flush()
        assert not [s for s, _ in written if "order_rollup" in s]  # nothing before commit
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    statement, rows = written[-1]
    assert statement.startswith("INSERT INTO order_rollup")
    assert sum("order_rollup" in s for s, _ in written) == 1
    names = order_rollup.rollup_statement().names
    rows = [row if isinstance(row, dict) else dict(zip(names, row, strict=True)) for row in rows]
    keys = [(str(row["day"]), row["currency"], row["status"], bool(row["dispute_open"]))
            for row in rows]
    assert len(keys) == 5 and keys == sorted(keys)
    assert keys[0] == (str((MIDNIGHT - timedelta(days=3)).date()), "usd", "canceled", False)
    assert keys[-2:] == [(str(MIDNIGHT.date()), "usd", "pending", False),
                         (str(MIDNIGHT.date()), "usd", "pending", True)]
    assert_rollup_exact()


# --- the history's count and totals ---------------------------------------------------

def reference_summary(filters: HistoryFilter) -> Summary:
    """What the filter matches, worked out in Python from every order."""
    totals: dict[str, list[int]] = {}
    for order in db.session.execute(select(Order)).scalars():
        day = order.created_at.astimezone(UTC).date()
        if filters.status and order.status != filters.status:
            continue
        if filters.dispute_open and order.dispute_status not in OPEN_DISPUTE_STATUSES:
            continue
        if (filters.date_from and day < filters.date_from) or (
            filters.date_to and day > filters.date_to
        ):
            continue
        sums = totals.setdefault(order.currency, [0, 0, 0])
        sums[0] += 1
        sums[1] += order.total_minor
        sums[2] += order.amount_refunded_minor
    rows = [CurrencyTotal(currency, *totals[currency]) for currency in sorted(totals)]
    return Summary(sum(row.count for row in rows), rows)


FILTERS = st.builds(
    HistoryFilter,
    status=st.one_of(st.none(), st.sampled_from(STATUSES)),
    date_from=st.one_of(st.none(), DAYS),
    date_to=st.one_of(st.none(), DAYS),
    dispute_open=st.booleans(),
)
# "Dispute open" alone, and with a status, a day, or both.
DISPUTE_FILTERS = [
    HistoryFilter(dispute_open=True),
    HistoryFilter(dispute_open=True, status="paid"),
    HistoryFilter(dispute_open=True, date_from=MIDNIGHT.date(), date_to=MIDNIGHT.date()),
    HistoryFilter(dispute_open=True, status="pending", date_from=MIDNIGHT.date()),
]


@EXAMPLES
@given(
    orders=st.lists(
        st.tuples(st.sampled_from(CURRENCIES), MOMENTS, TOTALS, st.sampled_from(STATUSES),
                  TOTALS, st.sampled_from(DISPUTES)),
        max_size=12,
    ),
    moves=st.lists(
        st.one_of(st.tuples(WHICH, st.just("status"), st.sampled_from(STATUSES)),
                  st.tuples(WHICH, st.just("dispute_status"), st.sampled_from(DISPUTES))),
        max_size=6,
    ),
    filters=st.lists(FILTERS, min_size=1, max_size=6),
)
def test_status_date_and_dispute_totals_from_the_rollup_equal_the_orders(
    app, orders, moves, filters
):
    clear_orders()
    placed = [new_order(*fields) for fields in orders]
    db.session.commit()
    for which, field, value in moves:  # leaves rollup rows whose orders all moved on
        if placed:
            setattr(placed[which % len(placed)], field, value)
            db.session.commit()
    for f in filters:
        assert order_history.summarize(f) == reference_summary(f), f


@pytest.fixture
def midnight_orders(make_order):
    """Orders a tick either side of two UTC midnights, in two currencies and three statuses;
    three with a dispute open, one with a dispute closed."""
    return [
        make_order(created_at=MIDNIGHT - timedelta(days=1), status="pending", total_minor=500),
        make_order(created_at=MIDNIGHT - TICK, status="paid", total_minor=1000,
                   dispute="needs_response"),
        make_order(created_at=MIDNIGHT, status="paid", total_minor=2000, currency="eur",
                   dispute="warning_under_review"),
        make_order(created_at=MIDNIGHT + timedelta(hours=12), status="refunded",
                   total_minor=4000, refunded_minor=4000, dispute="under_review"),
        make_order(created_at=MIDNIGHT + timedelta(days=1) - TICK, status="paid",
                   total_minor=8000, dispute="won"),
        make_order(created_at=MIDNIGHT + timedelta(days=1), status="pending", total_minor=16000),
    ]


def shown_summary(page: str) -> tuple[int, dict[str, str], list[str]]:
    """The page's count, its totals by currency, and its refunded amounts, as shown."""
    text = page.split('<p class="summary"', 1)[1].split("</p>", 1)[0]
    count = int(re.search(r"(\d+) orders? match", text).group(1))
    totals = dict(re.findall(r'data-testid="total-(\w+)">([^<]+)<', text))
    return count, totals, re.findall(r"\(([^)]+) refunded\)", text)


def iso(day: date) -> str:
    return day.isoformat()


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status": "paid"},
        {"status": "pending"},
        {"date_from": iso(MIDNIGHT.date())},
        {"date_to": iso(MIDNIGHT.date() - timedelta(days=1))},
        {"date_from": iso(MIDNIGHT.date()), "date_to": iso(MIDNIGHT.date())},
        {"date_from": iso(MIDNIGHT.date()), "date_to": iso(MIDNIGHT.date()), "status": "paid"},
        {"date_from": iso(MIDNIGHT.date() + timedelta(days=1))},
        {"date_from": iso(MIDNIGHT.date() + timedelta(days=2))},
        {"date_from": iso(MIDNIGHT.date()), "date_to": iso(MIDNIGHT.date() - timedelta(days=1))},
        {"dispute": "y"},
        {"dispute": "y", "status": "paid"},
        {"dispute": "y", "status": "refunded"},
        {"dispute": "y", "date_from": iso(MIDNIGHT.date())},
        {"dispute": "y", "date_to": iso(MIDNIGHT.date() - timedelta(days=1))},
        {"dispute": "y", "date_from": iso(MIDNIGHT.date()), "date_to": iso(MIDNIGHT.date()),
         "status": "paid"},
        {"dispute": "y", "date_from": iso(MIDNIGHT.date() + timedelta(days=1))},
    ],
)
def test_the_page_shows_the_count_and_totals_of_the_orders_the_filter_lists(
    admin_client, midnight_orders, query
):
    page = admin_client.get("/admin/orders", query_string=query).get_data(as_text=True)
    listed = set(re.findall(r'href="/admin/orders/([A-Z0-9]+)"', page))
    matching = [o for o in midnight_orders if o.number in listed]
    count, totals, refunded = shown_summary(page)
    assert count == len(matching)
    expected = {}
    for currency in sorted({o.currency for o in matching}):
        expected[currency] = money(sum(o.total_minor for o in matching
                                       if o.currency == currency), currency)
    assert totals == expected
    assert refunded == [
        money(sum(o.amount_refunded_minor for o in matching if o.currency == c), c)
        for c in sorted(expected)
        if any(o.amount_refunded_minor for o in matching if o.currency == c)
    ]


def test_the_day_edges_put_each_order_on_its_utc_day(admin_client, midnight_orders):
    day = {"date_from": iso(MIDNIGHT.date()), "date_to": iso(MIDNIGHT.date())}
    count, totals, refunded = shown_summary(
        admin_client.get("/admin/orders", query_string=day).get_data(as_text=True)
    )
    # 00:00:00 and 12:00 and 23:59:59.999999 of the day; not the tick before or after it.
    assert count == 3
    assert totals == {"eur": money(2000, "eur"), "usd": money(12000, "usd")}
    assert refunded == [money(4000, "usd")]


def read_tables(filters: HistoryFilter) -> set[str]:
    statements: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        order_history.summarize(filters)
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert len(statements) == 1
    return set(re.findall(r'FROM "?(\w+)"?', statements[0]))


def test_only_status_date_and_dispute_filters_are_answered_from_the_rollup(
    app, midnight_orders
):
    day = MIDNIGHT.date()
    for answered in (HistoryFilter(), HistoryFilter(status="paid"),
                     HistoryFilter(status="paid", date_from=day, date_to=day),
                     HistoryFilter(dispute_open=True),
                     HistoryFilter(dispute_open=True, status="paid", date_from=day)):
        assert read_tables(answered) == {"order_rollup"}
    for counted in (HistoryFilter(search="ann@example.com"),
                    HistoryFilter(dispute_open=True, search="ann@example.com"),
                    HistoryFilter(dispute_open=True, payment_status="succeeded"),
                    HistoryFilter(status="paid", payment_status="succeeded")):
        assert "order" in read_tables(counted)


# --- rebuilding ------------------------------------------------------------------------

def test_a_rebuild_counts_utc_days_whatever_the_connections_time_zone(app, make_order):
    for moment in (MIDNIGHT - TICK, MIDNIGHT, MIDNIGHT + timedelta(days=1) - TICK):
        make_order(created_at=moment)
    db.session.execute(delete(OrderRollup.__table__))
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL TIME ZONE 'Pacific/Auckland'"))
    assert order_rollup.rebuild(connection) == 2
    db.session.commit()
    assert_rollup_exact()


def test_the_rollup_command_finds_and_fixes_a_drifted_rollup(admin_client, runner, make_order):
    make_order(status="paid", total_minor=2500, created_at=MIDNIGHT)
    # A raw load the session never sees, and a row someone edited by hand.
    db.session.execute(insert(Order.__table__).values(
        number="RAW0000001", email="raw@example.com", currency="usd", subtotal_minor=900,
        shipping_minor=0, tax_minor=0, total_minor=900, amount_refunded_minor=0,
        status="pending", reserved_until=MIDNIGHT, created_at=MIDNIGHT - TICK,
        updated_at=MIDNIGHT,
    ))
    db.session.execute(update(OrderRollup.__table__).values(refunded_minor=100))
    db.session.commit()
    assert stored_rollup() != counted_from_orders()
    assert "1 order match" in admin_client.get("/admin/orders").get_data(as_text=True)

    check = runner.invoke(args=["orders", "rollup", "--check"])
    assert check.exit_code == 1
    assert "2 rollup row(s) differ" in check.output
    assert f"{MIDNIGHT.date()} usd paid: the orders have +0 order(s), +0 total, -100" in (
        check.output)

    fixed = runner.invoke(args=["orders", "rollup"])
    assert fixed.exit_code == 0, fixed.output
    assert "2 row(s); 2 had differed" in fixed.output
    assert_rollup_exact()
    assert "2 orders match" in admin_client.get("/admin/orders").get_data(as_text=True)
    again = runner.invoke(args=["orders", "rollup", "--check"])
    assert again.exit_code == 0 and "0 rollup row(s) differ" in again.output
