"""The database pools from a test: which statements ran on which pool, and closing them."""

import contextlib

from sqlalchemy import event

from shop.database import READS
from shop.extensions import db


@contextlib.contextmanager
def statements(bind: str | None = READS):
    """The statements run on one pool (`None`: the one that writes) while inside."""
    seen: list[str] = []
    engine = db.engines[bind]

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextlib.contextmanager
def checkouts(bind: str | None = None):
    """How many connections the pool of `bind` hands out while inside."""
    taken: list[bool] = []
    engine = db.engines[bind]

    def count(dbapi_connection, record, proxy):
        taken.append(True)

    event.listen(engine, "checkout", count)
    try:
        yield taken
    finally:
        event.remove(engine, "checkout", count)


def dispose_all(engines: dict) -> None:
    """Close every pooled connection of every bind, as `Engine.dispose` does for one."""
    for engine in engines.values():
        engine.dispose()
