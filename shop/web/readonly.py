"""Pages that only read the database, served without a transaction.

A transaction costs a page two round trips to the database, BEGIN before its
first statement and ROLLBACK after its last, and buys it nothing when the page
writes nothing and needs no two reads to agree with each other (one statement
always sees one consistent snapshot). Views marked `reads_only` run their
statements in autocommit instead, on connections from a pool of their own that
is always in autocommit (`shop.database.READS`): switching a pooled connection
into autocommit and back would cost as much as the round trips it saves.

They must not lock rows or write: a flush in such a view is refused, so a write
cannot slip in and commit piecemeal.
"""

from collections.abc import Callable
from functools import wraps

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from shop.database import read_only_request, reading_only


class WriteInReadOnlyView(RuntimeError):
    """A view marked `reads_only` tried to write."""


def reads_only(view: Callable) -> Callable:
    """Run `view` without a database transaction; it may only read."""

    @wraps(view)
    def run(*args, **kwargs):
        read_only_request()
        return view(*args, **kwargs)

    return run


def _refuse_writes(session: Session, flush_context, instances) -> None:
    if reading_only() and (session.new or session.dirty or session.deleted):
        raise WriteInReadOnlyView("This page only reads; it may not write to the database.")


def install(session: scoped_session) -> None:
    """Refuse flushes from `reads_only` views in `session`; safe to repeat."""
    if not event.contains(session, "before_flush", _refuse_writes):
        event.listen(session, "before_flush", _refuse_writes)
