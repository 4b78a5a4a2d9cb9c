"""What the shop's commands print when they cannot run: one line saying why and exit
status 1, for cron to mail, not a traceback with the reason at its end."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from shop import cli
from shop.config import ConfigError, check_config, load_config
from shop.extensions import db
from tests.conftest import make_test_app
from tests.db_support import dispose_all

ROOT = Path(__file__).resolve().parent.parent
# Nothing listens there: the connection is refused at once.
UNREACHABLE = "postgresql+psycopg://shop:hunter2@127.0.0.1:15399/shop"
COMMANDS = [
    ["orders", "expire"],
    ["orders", "rollup"],
    ["stripe", "reconcile"],
    ["stripe", "events", "reprocess", "--failed"],
    ["refund", "ABC123"],
    ["seed"],
]


@pytest.fixture
def runner_without_database():
    app = make_test_app(UNREACHABLE)
    with app.app_context():
        yield app.test_cli_runner()
        dispose_all(db.engines)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_command_with_the_database_down_says_so_in_one_line(runner_without_database, args):
    result = runner_without_database.invoke(args=args)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        'Error: The database could not be used: connection failed: connection to server at'
        ' "127.0.0.1", port 15399 failed: Connection refused'
    ]


def test_the_database_password_is_never_printed(runner_without_database):
    # A driver that quotes its connection string back would show the password.
    error = OperationalError("SELECT 1", {}, Exception("bad dsn 'password=hunter2 host=x'"))
    assert cli.database_problem(error) == ("The database could not be used: bad dsn"
                                           " 'password=*** host=x'")


def flask(*args: str, **settings: str) -> subprocess.CompletedProcess:
    """`flask ARGS` in a fresh process, as cron or an operator runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "SHOP_"))}
    env.pop("DATABASE_URL", None)
    env.update(FLASK_APP="wsgi.py", **settings)
    return subprocess.run([str(Path(sys.executable).with_name("flask")), *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


def test_the_flask_command_with_the_database_down_prints_one_line():
    done = flask("orders", "expire", DATABASE_URL=UNREACHABLE)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        'Error: The database could not be used: connection failed: connection to server at'
        ' "127.0.0.1", port 15399 failed: Connection refused'
    ]
    assert "hunter2" not in done.stdout + done.stderr


@pytest.mark.parametrize(("settings", "message"), [
    ({"STRIPE_WEBHOOK_SECRET": "sk_live_x"},
     "STRIPE_WEBHOOK_SECRET must be a webhook signing secret (whsec_...), not a value starting"
     " 'sk_live_'."),
    # An ImportError of a driver the shop does not install, then "No such command".
    ({"DATABASE_URL": "mysql://shop:hunter2@db/shop"},
     "DATABASE_URL must be PostgreSQL (postgresql+psycopg://...) or SQLite (sqlite:///path),"
     " not mysql://."),
])
def test_a_setting_refused_at_start_up_is_the_commands_one_line(tmp_path, settings, message):
    settings.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'shop.sqlite3'}")
    done = flask("orders", "expire", **settings)
    assert done.returncode == 1
    assert (done.stdout, done.stderr) == ("", f"Error: {message}\n")


@pytest.mark.parametrize("url", ["mysql://shop@db/shop", "mysql+pymysql://shop@db/shop",
                                 "oracle://shop@db/shop", "mssql+pyodbc://shop@db/shop"])
def test_a_database_other_than_postgresql_or_sqlite_is_refused(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError, match=r"DATABASE_URL must be PostgreSQL \(postgresql\+psycopg"
                                          r"://\.\.\.\) or SQLite \(sqlite:///path\), not "):
        check_config(load_config())


def test_a_database_url_that_is_no_url_is_refused_without_echoing_it(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "shop:hunter2@db")
    with pytest.raises(ConfigError) as refused:
        check_config(load_config())
    assert str(refused.value) == ("DATABASE_URL must be a URL such as"
                                  " postgresql+psycopg://user:password@host/db.")
