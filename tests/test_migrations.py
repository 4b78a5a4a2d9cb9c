"""Migrations must build exactly the schema the models describe."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from shop.cli import init_migrations
from shop.extensions import db
from tests.conftest import POSTGRES_URL, make_test_app


def _schema_diff(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, db.metadata))


@pytest.fixture
def fresh_database(tmp_path, request):
    """An empty database: a new SQLite file, or a throwaway PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}", None
        return
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL migration test (TEST_DATABASE_URL unset)")
        pytest.skip("TEST_DATABASE_URL not set")
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}", schema
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.mark.parametrize(
    "fresh_database",
    ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    indirect=True,
)
def test_upgrade_builds_the_models_and_downgrade_removes_them(fresh_database):
    url, _ = fresh_database
    app = make_test_app(url)
    init_migrations(app)
    with app.app_context():
        upgrade()
        assert _schema_diff(db.engine) == []
        tables = set(inspect(db.engine).get_table_names())
        assert {"user", "product", "order", "payment", "stripe_event"} <= tables
        # The expression index autogenerate cannot compare: prove it by behaviour.
        insert = text(
            'INSERT INTO "user" (email, password_hash, name, is_admin, created_at) '
            "VALUES (:email, 'x', '', false, CURRENT_TIMESTAMP)"
        )
        with db.engine.connect() as conn:
            conn.execute(insert, {"email": "ann@example.com"})
            with pytest.raises(IntegrityError):
                conn.execute(insert, {"email": "ANN@example.com"})
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def flask_command(database_url: str) -> dict:
    """subprocess.run's cwd and env for a `flask` command on this database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "SHOP_"))}
    env.update(FLASK_APP="wsgi.py", DATABASE_URL=database_url, SECRET_KEY="test-secret")
    return {"cwd": Path(__file__).resolve().parent.parent, "env": env}


def _run(command: list[str], database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, **flask_command(database_url), capture_output=True,
                          text=True, check=True)


def test_serving_leaves_alembic_out_and_the_db_commands_still_work(tmp_path):
    """A server process never needs Alembic (about 10 MB per worker); `flask db` does."""
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    loaded = _run([sys.executable, "-c", "import sys, wsgi; print(sorted(m for m in sys.modules"
                   " if m.split('.')[0] in ('alembic', 'flask_migrate')))"], url)
    assert loaded.stdout.strip() == "[]"

    flask = str(Path(sys.executable).with_name("flask"))
    _run([flask, "db", "upgrade"], url)
    current = _run([flask, "db", "current"], url).stdout
    heads = _run([flask, "db", "heads"], url).stdout
    assert current.split()[0] == heads.split()[0] and "(head)" in heads
    engine = create_engine(url)
    assert {"order", "payment", "stripe_event"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_a_database_out_of_reach_is_told_in_one_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'no-such-folder' / 'shop.sqlite3'}"
    flask = str(Path(sys.executable).with_name("flask"))
    refused = subprocess.run([flask, "db", "upgrade"], **flask_command(url),
                             capture_output=True, text=True)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines()[-1] == (
        f"ERROR [flask_migrate] Error: Cannot reach the database at {url}: "
        "unable to open database file"
    )


def test_migrations_are_numbered_one_after_another():
    """Each migration's revision is its file's number and revises the one before, so
    they read in order and a second head (two changes numbered alike) is refused.
    `flask db migrate` picks a random id unless given `--rev-id`, which this catches."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(Path(__file__).parents[1] / "migrations"))
    files = sorted(path.name for path in (Path(scripts.dir) / "versions").glob("*.py"))
    numbers = [f"{n:04d}" for n in range(1, len(files) + 1)]

    assert [name[:5] for name in files] == [f"{number}_" for number in numbers]
    revised = {script.revision: script.down_revision for script in scripts.walk_revisions()}
    assert revised == dict(zip(numbers, [None, *numbers[:-1]], strict=True))
