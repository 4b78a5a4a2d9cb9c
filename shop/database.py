"""Database helpers: idle-connection pings, the pool for pages that only read, and
INSERT ... ON CONFLICT on either database, compiled once.

Pooled connections are checked before use only if they sat idle.

`pool_pre_ping` costs a round trip to the database on every checkout, which is
every request. A connection in steady use has just proved itself; one that sat
idle may have been closed meanwhile by a database restart, a failover or a
proxy's idle timeout. So a connection idle for at least `idle_seconds` is pinged
when checked out, and one that fails the ping is replaced before any request
sees it, as `pool_pre_ping` would. A connection that breaks while in use is
reported by SQLAlchemy as a disconnect, which also discards every connection
pooled before it.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Engine, Insert, Table, bindparam, event, exc
from sqlalchemy.dialects import postgresql, sqlite

# The bind of connections that never open a transaction; see `Session`.
READS = "reads"
_READING_ONLY = "_shop_reading_only"

# Statements compiled once, by (database, name); see `prepared`.
_STATEMENTS: dict[tuple[str, str], "Prepared"] = {}


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping `engine`'s pooled connections at checkout after `idle_seconds` unused."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # new, or just used
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and checks out another.
            raise exc.DisconnectionError(f"idle connection failed its ping: {error}") from error


def savepoints_inside_transactions(engine: Engine) -> None:
    """On SQLite, begin the transaction before a savepoint that would otherwise be first.

    Python's sqlite3 module begins a transaction by itself only before a write
    (INSERT, UPDATE, DELETE), not before SAVEPOINT. A savepoint sent first, as a
    checkout's `begin_nested` is, would then be the transaction itself, and its
    RELEASE a commit: the order it inserted would stay even when the checkout rolls
    back (its last item sold meanwhile). A plain BEGIN first keeps it inside the
    transaction, as PostgreSQL always does.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "savepoint")
    def _begin_first(connection, name) -> None:
        sqlite_connection = connection.connection.driver_connection
        if not sqlite_connection.in_transaction:
            sqlite_connection.execute("BEGIN")


def reads_engine_options(url: str, engine_options: dict) -> dict:
    """The `READS` bind's settings: the same database, on connections in autocommit.

    Nothing is ever rolled back on them, so the pool does not reset them either.
    """
    return {
        **engine_options,
        "url": url,
        "isolation_level": "AUTOCOMMIT",
        "pool_reset_on_return": None,
    }


def read_only_request() -> None:
    """Send this request's session statements to the `READS` pool; see `Session`."""
    setattr(g, _READING_ONLY, True)


def reading_only() -> bool:
    return has_app_context() and g.get(_READING_ONLY, False)


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, on the `READS` pool while a request only reads
    (`shop.web.readonly`)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and reading_only():
            return self._db.engines[READS]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


@dataclass(frozen=True)
class Prepared:
    """A statement compiled once for the bound database, run without SQLAlchemy's compiler."""

    sql: str
    names: tuple[str, ...]  # parameter names, in order for positional drivers
    positional: bool
    processors: dict[str, Callable[[Any], Any] | None]

    def params(self, values: dict[str, Any]):
        processed = {}
        for name in self.names:
            process = self.processors[name]
            processed[name] = process(values[name]) if process else values[name]
        return tuple(processed[name] for name in self.names) if self.positional else processed


def prepared(name: str, build: Callable[[Any], Insert]) -> Prepared:
    """An INSERT ... ON CONFLICT built by `build(dialect_module)`, compiled once.

    SQLAlchemy never caches the compiled form of PostgreSQL's or SQLite's own
    INSERT construct (the one that can say ON CONFLICT), so a statement run on
    every request would be compiled on every request. This compiles it once per
    database, with each parameter's type processing (JSON, UTC times) kept.
    `build` must use `bindparam(column_name)` for every value, including columns
    that have a default: the compiled form has no defaults to fill in.
    """
    from shop.extensions import db

    dialect = db.engine.dialect
    key = (dialect.name, name)
    statement = _STATEMENTS.get(key)
    if statement is None:
        module = postgresql if dialect.name == "postgresql" else sqlite
        compiled = build(module).compile(dialect=dialect)
        names = tuple(compiled.positiontup or compiled.binds)
        statement = _STATEMENTS[key] = Prepared(
            sql=compiled.string,
            names=names,
            positional=compiled.positional,
            processors={
                name: compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                for name in names
            },
        )
    return statement


def insert_or_skip(table: Table, values: dict[str, Any], conflict: list[str], returning: str):
    """INSERT `values` unless a row with the same `conflict` columns exists; returns the
    RETURNING row, or None when the row was already there."""
    from shop.extensions import db

    columns = tuple(values)

    def build(module) -> Insert:
        return (
            module.insert(table)
            .values({name: bindparam(name, type_=table.c[name].type) for name in columns})
            .on_conflict_do_nothing(index_elements=[table.c[name] for name in conflict])
            .returning(table.c[returning])
        )

    name = f"insert-or-skip:{table.name}:{','.join(columns)}:{','.join(conflict)}:{returning}"
    statement = prepared(name, build)
    db.session.flush()  # what the session holds goes first, as a query would autoflush it
    return db.session.connection().exec_driver_sql(statement.sql, statement.params(values)).first()
