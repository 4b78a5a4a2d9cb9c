"""Database helpers: idle-connection pings, and INSERT ... ON CONFLICT on either database.

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

from sqlalchemy import Engine, event, exc
from sqlalchemy.dialects import postgresql, sqlite


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


def insert(model):
    """An INSERT for `model` that can say ON CONFLICT DO NOTHING on either database."""
    from shop.extensions import db

    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(model)
