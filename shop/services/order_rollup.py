"""The order rollup, kept exact: orders and their totals per UTC day, currency, status
and whether a dispute is open.

The admin history answers "how many orders match, and what do they add up to"
from this small table instead of reading every order. It must never drift, and
no service has to remember it: session events watch every Order the unit of
work writes, whichever path (checkout, payment sync, refund, expiry) wrote it.

- Before each flush, every order about to be inserted, deleted, or changed in a
  rolled-up field (created_at, currency, status, dispute_status, total, amount
  refunded) is remembered with what it counted for when this transaction first
  touched it. So a dispute opening or closing moves its order between rows.
- Just before the outermost transaction commits, what each remembered order
  counts for now is set against that, and the differences go to the rollup in
  one upsert, rows in key order. The rollup's rows are hot (every checkout adds
  to today's), so they are locked last and always in the same order: never
  while the transaction goes on to lock orders (`lock_order`), and never in an
  order that could deadlock another commit. A rollback writes nothing; after a
  rolled-back savepoint the orders are compared as the database has them again.

Writes that bypass the unit of work — raw SQL, or `insert(Order)` and
`update(Order)` statements run through `session.execute` — are not seen; run
`rebuild` after them (`flask orders rollup`). The shop itself has one such
statement, `lock_order`'s no-op UPDATE on SQLite, and it changes no rolled-up field.
"""

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date

from sqlalchemy import (
    Connection,
    Insert,
    bindparam,
    delete,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session, scoped_session

from shop.database import Prepared, prepared
from shop.models import OPEN_DISPUTE_STATUSES, Order, OrderRollup
from shop.models.rollup import dispute_open, utc_day

Key = tuple[date, str, str, bool]  # (UTC day of created_at, currency, status, dispute open)
Share = tuple[Key, int, int]  # what one order adds: its key, total and amount refunded
KEY = ("day", "currency", "status", "dispute_open")
ROLLED_UP = ("created_at", "currency", "status", "dispute_status", "total_minor",
             "amount_refunded_minor")
SUMS = ("order_count", "total_minor", "refunded_minor")
_SEEN = "order_rollup.seen"  # session.info: {order: its Share when the transaction began}


def share(order: Order) -> Share:
    """The rollup row an order counts in, with the amounts it adds there."""
    return _share({name: getattr(order, name) for name in ROLLED_UP})


def _share(values: Mapping) -> Share:
    day = values["created_at"].astimezone(UTC).date()
    disputed = values["dispute_status"] in OPEN_DISPUTE_STATUSES
    key = (day, values["currency"], values["status"], disputed)
    return key, values["total_minor"], values["amount_refunded_minor"]


def install(session: scoped_session) -> None:
    """Keep the rollup in step with the orders written through `session`; safe to repeat."""
    for name, listener in (
        ("before_flush", _remember),
        ("before_commit", _write),
        ("after_transaction_end", _forget),
    ):
        if not event.contains(session, name, listener):
            event.listen(session, name, listener)


def _remember(session: Session, flush_context, instances) -> None:
    seen = session.info.setdefault(_SEEN, {})
    for order in session.new:
        if isinstance(order, Order) and order not in seen:
            seen[order] = None  # it did not exist when the transaction began
    for order in (*session.dirty, *session.deleted):
        if isinstance(order, Order) and order not in seen and (
            order in session.deleted or _rolled_up_fields_changed(order)
        ):
            seen[order] = _share_before_changes(session, order)


def _rolled_up_fields_changed(order: Order) -> bool:
    attrs = inspect(order).attrs
    return any(attrs[name].history.has_changes() for name in ROLLED_UP)


def _share_before_changes(session: Session, order: Order) -> Share:
    """The order's share as the database holds it, before this flush writes it."""
    values = {}
    for name in ROLLED_UP:
        history = inspect(order).attrs[name].load_history()
        previous = history.deleted or history.unchanged
        if not previous:  # set without its old value ever loaded: ask the database
            return _share_in_database(session, inspect(order).identity[0])
        values[name] = previous[0]
    return _share(values)


def _share_in_database(session: Session, order_id: int) -> Share | None:
    row = session.connection().execute(
        select(*(getattr(Order, name) for name in ROLLED_UP)).where(Order.id == order_id)
    ).first()
    return _share(row._mapping) if row else None


def _share_now(session: Session, order: Order) -> Share | None:
    state = inspect(order)
    if state.transient or state.pending or state.deleted or state.was_deleted:
        return None  # never written, rolled back, or deleted in this transaction
    if state.detached:  # expunged after its last flush: the database knows
        return _share_in_database(session, state.identity[0])
    return share(order)


def _write(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()  # the commit's own flush comes after this hook: remember its orders now
    if not session.info.get(_SEEN):
        return
    changes: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    for order, before in list(session.info[_SEEN].items()):
        for part, sign in ((before, -1), (_share_now(session, order), 1)):
            if part is not None:
                key, total, refunded = part
                change = changes[key]
                change[0] += sign
                change[1] += sign * total
                change[2] += sign * refunded
    session.info[_SEEN].clear()
    rows = [
        {**dict(zip(KEY, key, strict=True)), **dict(zip(SUMS, sums, strict=True))}
        for key, sums in sorted(changes.items())
        if any(sums)
    ]
    if rows:
        statement = rollup_statement()
        # One row per execution, in key order; the driver pipelines them.
        session.connection().exec_driver_sql(
            statement.sql, [statement.params(row) for row in rows]
        )


def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_SEEN, None)


def rollup_statement() -> Prepared:
    """The upsert that adds one row of changes to the rollup, compiled once."""
    return prepared("order-rollup-add", _add_to_rollup)


def _add_to_rollup(dialect_module) -> Insert:
    """INSERT a row, or add it to the row already there (PostgreSQL and SQLite)."""
    table = OrderRollup.__table__
    columns = (*KEY, *SUMS)
    statement = dialect_module.insert(table).values(
        {name: bindparam(name, type_=table.c[name].type) for name in columns}
    )
    return statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in KEY],
        set_={name: table.c[name] + statement.excluded[name] for name in SUMS},
    )


def _recount():
    """The rollup's rows computed from the orders: one GROUP BY over them all."""
    day = utc_day(Order.created_at)
    disputed = dispute_open(Order.dispute_status)
    return select(
        day.label("day"),
        Order.currency,
        Order.status,
        disputed.label("dispute_open"),
        func.count().label("order_count"),
        func.sum(Order.total_minor).label("total_minor"),
        func.sum(Order.amount_refunded_minor).label("refunded_minor"),
    ).group_by(day, Order.currency, Order.status, disputed)


def _lock_out_writers(connection: Connection) -> None:
    """Make concurrent commits wait, so none is both recounted and added again.

    SQLite already lets one writer in at a time.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE order_rollup IN SHARE ROW EXCLUSIVE MODE"))


def rebuild(connection: Connection) -> int:
    """Recount the whole rollup from the orders; returns how many rows it now has.

    For after raw-SQL data loads, or when `drift` finds a difference. The
    caller commits; until then writers of orders wait at their commit.
    """
    _lock_out_writers(connection)
    table = OrderRollup.__table__
    connection.execute(delete(table))
    connection.execute(insert(table).from_select([*KEY, *SUMS], _recount()))
    return connection.execute(select(func.count()).select_from(table)).scalar_one()


def drift(connection: Connection) -> list[tuple[Key, tuple[int, int, int]]]:
    """Rows where the rollup differs from the orders, with the difference (orders minus rollup).

    One statement, so both sides are read as of the same moment without a lock.
    """
    table = OrderRollup.__table__
    counted = _recount().subquery()
    both = select(
        *(counted.c[name] for name in KEY), *(counted.c[name] for name in SUMS),
    ).union_all(
        select(*(table.c[name] for name in KEY), *(-table.c[name] for name in SUMS))
    ).subquery()
    key = [both.c[name] for name in KEY]
    sums = [func.sum(both.c[name]) for name in SUMS]
    rows = connection.execute(
        select(*key, *sums)
        .group_by(*key)
        .having(or_(*(total != 0 for total in sums)))
        .order_by(*key)
    )
    return [((day, currency, status, bool(disputed)), tuple(int(n) for n in sums))
            for day, currency, status, disputed, *sums in rows]
