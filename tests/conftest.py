"""Shared fixtures: the app on SQLite (or PostgreSQL with TEST_DATABASE_URL), its client,
CLI runner, an `auth` helper that uses the real login form, and factory fixtures.

CSRF protection is on for tests marked `csrf` and off elsewhere, so that most tests
read like the story they tell; `tests/test_csrf.py` proves the protection itself.
"""

import os
import re
import threading
from collections.abc import Iterator

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from werkzeug.serving import make_server

from shop import create_app
from shop.extensions import db
from shop.models import Product, User
from tests.db_support import dispose_all

pytest_plugins = ["tests.payments_support", "tests.browser_support"]


def _per_worker(url: str | None) -> str | None:
    """Each pytest-xdist worker's own database beside TEST_DATABASE_URL's (`test_gw0`,
    `test_gw1`, ...): tests empty every table between them, so two workers cannot
    share one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(
        hide_password=False
    )


POSTGRES_URL = _per_worker(os.environ.get("TEST_DATABASE_URL"))
IN_CI = bool(os.environ.get("CI"))


def _create_database(url: str) -> None:
    """Create `url`'s database unless it exists, connected to the server's `postgres`
    database: TEST_DATABASE_URL's own may not exist yet either."""
    name = make_url(url).database
    maintenance = make_url(url).set(database="postgres")
    server = create_engine(maintenance, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not _exists(conn, name):
            try:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            except DBAPIError:
                if not _exists(conn, name):  # else another run created it meanwhile
                    raise
    server.dispose()


def _exists(conn, name: str) -> bool:
    query = text("SELECT 1 FROM pg_database WHERE datname = :name")
    return conn.execute(query, {"name": name}).first() is not None


# Held by a test run's main process while it runs: the key of an advisory lock on
# TEST_DATABASE_URL's server. A second run (another checkout, a second terminal) would
# empty the tables under the first's tests, so it waits its turn instead.
_RUN_LOCK_KEY = 0x73686F70  # "shop"
_run_lock = None


def _take_run_lock() -> None:
    global _run_lock
    conn = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT").connect()
    query = "SELECT pg_try_advisory_lock(:key)"
    if not conn.execute(text(query), {"key": _RUN_LOCK_KEY}).scalar():
        print("Another test run is using TEST_DATABASE_URL's server; waiting for it to end.",
              flush=True)
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _RUN_LOCK_KEY})
    _run_lock = conn


def pytest_configure(config):
    config.addinivalue_line("markers", "csrf: run with CSRF protection switched on")
    if not POSTGRES_URL:
        return
    if os.environ.get("PYTEST_XDIST_WORKER"):
        _create_database(POSTGRES_URL)
    else:
        _create_database(os.environ["TEST_DATABASE_URL"])
        _take_run_lock()


def pytest_unconfigure(config):
    global _run_lock
    if _run_lock is not None:
        _run_lock.close()  # the session ends, and PostgreSQL releases its lock
        _run_lock.engine.dispose()
        _run_lock = None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if POSTGRES_URL:
        return POSTGRES_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'shop.sqlite3'}"


@pytest.fixture(scope="session")
def _schema(database_url: str) -> Iterator[None]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
    yield


def _wipe() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))


class SeparateClient(FlaskClient):
    """A test client whose every request gets its own app context, as on a real server.

    The `app` fixture keeps an app context open for the test's own database work.
    Without this, requests would share it, and with it `g` (Flask-Login's user, the
    CSRF token) and the database session, so two clients could act as one user.
    """

    def open(self, *args, **kwargs):
        try:
            with self.application.app_context():
                try:
                    return super().open(*args, **kwargs)
                finally:
                    self._context_stack.close()  # the request's contexts end with it
        finally:
            if has_app_context():
                db.session.expire_all()  # the test's own objects now show what it wrote


def make_test_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        # One round instead of scrypt's cost: the suite makes and checks hundreds of
        # passwords. What the shop itself uses is tested in tests/test_auth.py.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = SeparateClient
    return app


@pytest.fixture
def app_config() -> dict:
    """Override in a test module (or parametrize) to change the app's settings."""
    return {}


@pytest.fixture
def app(request, _schema, database_url, app_config):
    overrides = dict(app_config)
    if request.node.get_closest_marker("csrf"):
        overrides["WTF_CSRF_ENABLED"] = True
    app = make_test_app(database_url, **overrides)
    with app.app_context():
        yield app
        db.session.remove()
        _wipe()
        dispose_all(db.engines)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF meta tag"
    return match.group(1)


class AuthActions:
    """Logs in and out through the real forms, as a person would."""

    def __init__(self, client):
        self._client = client

    def login(self, email="customer@example.com", password="customer-pass", next_url=None):
        page = self._client.get("/auth/login")
        data = {"email": email, "password": password}
        if b'name="csrf-token"' in page.data:
            data["csrf_token"] = csrf_token_from(page.get_data(as_text=True))
        url = "/auth/login" + (f"?next={next_url}" if next_url else "")
        return self._client.post(url, data=data)

    def logout(self):
        page = self._client.get("/")
        return self._client.post(
            "/auth/logout", data={"csrf_token": csrf_token_from(page.get_data(as_text=True))}
        )


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def make_user(app):
    """Factory: make_user(email=..., password=..., is_admin=...) → a committed User."""
    counter = iter(range(1, 10_000))

    def make(email=None, password="password123", is_admin=False, name="Test User") -> User:
        user = User(
            email=(email or f"user{next(counter)}@example.com").lower(),
            name=name,
            is_admin=is_admin,
        )
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_product(app):
    """Factory: make_product(price_minor=..., stock=..., active=...) → a committed Product."""
    counter = iter(range(1, 10_000))

    def make(name=None, price_minor=1500, stock=10, active=True, currency=None) -> Product:
        n = next(counter)
        product = Product(
            slug=f"product-{n}",
            name=name or f"Product {n}",
            description="A test product.",
            price_minor=price_minor,
            currency=currency or app.config["SHOP_CURRENCY"],
            stock=stock,
            active=active,
        )
        db.session.add(product)
        db.session.commit()
        return product

    return make


class LiveServer:
    """Serves a WSGI app on a free loopback port in a daemon thread."""

    def __init__(self, wsgi_app):
        self.app = wsgi_app
        self._server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_shop(app) -> Iterator[LiveServer]:
    """The test's app served over HTTP (for browsers and the sandbox's webhooks)."""
    server = LiveServer(app)
    yield server
    server.stop()
