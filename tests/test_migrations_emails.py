"""Migration 0008 stores every address in Unicode's composed form, as the shop now types
it, on both databases; when that would give two accounts one address it changes
nothing and says which accounts to sort out."""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import insert, text

from shop.cli import init_migrations
from shop.extensions import db
from shop.models import Order, User
from shop.services import accounts
from tests.conftest import make_test_app
from tests.test_migrations import flask_command, fresh_database  # noqa: F401  (the fixture)

COMPOSED, DECOMPOSED = "ren\u00e9@example.com", "rene\u0301@example.com"
NOW = datetime(2026, 3, 2, tzinfo=UTC)

BOTH_DATABASES = pytest.mark.parametrize(
    "fresh_database",
    ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    indirect=True,
)


def at_0007_with(url: str, users: list[str], orders: list[str]):
    """An app whose database is at 0007 and holds these users' and orders' addresses."""
    app = make_test_app(url)
    init_migrations(app)
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as conn:
            conn.execute(insert(User.__table__), [
                {"email": email, "password_hash": "x", "name": "", "is_admin": False,
                 "created_at": NOW} for email in users
            ])
            conn.execute(insert(Order.__table__), [
                {"number": f"M{n:04d}", "email": email, "currency": "usd", "subtotal_minor": 100,
                 "shipping_minor": 0, "tax_minor": 0, "total_minor": 100,
                 "amount_refunded_minor": 0, "status": "pending", "reserved_until": NOW,
                 "created_at": NOW, "updated_at": NOW} for n, email in enumerate(orders)
            ])
    return app


def stored(table: str) -> list[str]:
    with db.engine.connect() as conn:
        return conn.execute(text(f'SELECT email FROM "{table}" ORDER BY id')).scalars().all()


def revision() -> str:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@BOTH_DATABASES
def test_addresses_are_stored_composed_and_find_their_accounts(fresh_database):  # noqa: F811
    url, _ = fresh_database
    app = at_0007_with(url, users=[DECOMPOSED, "ann@example.com", "j\u00f6rg@example.com"],
                       orders=[DECOMPOSED, "ann@example.com", COMPOSED])
    with app.app_context():
        upgrade()
        assert stored("user") == [COMPOSED, "ann@example.com", "j\u00f6rg@example.com"]
        assert stored("order") == [COMPOSED, "ann@example.com", COMPOSED]
        # The account made with its accent apart is found however the address is typed.
        assert accounts.find_by_email(DECOMPOSED).email == COMPOSED
        assert accounts.find_by_email(COMPOSED.upper()).email == COMPOSED
        db.session.remove()
        db.engine.dispose()


@BOTH_DATABASES
def test_two_accounts_that_would_share_an_address_stop_the_upgrade(fresh_database):  # noqa: F811
    url, _ = fresh_database
    app = at_0007_with(url, users=["ann@example.com", COMPOSED, DECOMPOSED],
                       orders=[DECOMPOSED])

    flask = str(Path(sys.executable).with_name("flask"))
    stopped = subprocess.run([flask, "db", "upgrade"], **flask_command(url),
                             capture_output=True, text=True)

    assert stopped.returncode == 1
    told = stopped.stderr.strip().splitlines()[-1]
    assert told == (
        "ERROR [flask_migrate] Error: These accounts would share an email address once it is"
        " stored in one Unicode form: #2, #3. Merge them or give one another address, then"
        " run `flask db upgrade` again. Nothing was changed."
    )
    with app.app_context():
        assert stored("user") == ["ann@example.com", COMPOSED, DECOMPOSED]
        assert stored("order") == [DECOMPOSED]
        assert revision() == "0007"
        db.engine.dispose()
