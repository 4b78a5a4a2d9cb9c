"""Rate limits apply where they are declared, and only there.

Flask-Limiter's per-request hooks run for the views that carry a limit; app-wide
limits, when settings add them, still reach every page.
"""

import socket
import subprocess
import sys

import pytest
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from shop import create_app
from shop.extensions import db
from shop.models import User
from shop.web.limits import limit_only_where_declared
from tests.conftest import make_test_app
from tests.db_support import dispose_all

LIMITED = {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "2/minute"}


@pytest.mark.parametrize("app_config", [LIMITED])
def test_a_limited_view_counts_and_says_so(client):
    responses = [client.post("/auth/login", data={"email": "a@example.com", "password": "x"})
                 for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[0].headers["X-RateLimit-Limit"] == "2"
    assert responses[0].headers["X-RateLimit-Remaining"] == "1"


@pytest.mark.parametrize("app_config", [LIMITED])
def test_creating_accounts_from_one_address_is_limited(app):
    def register(n: int, address: str = "192.0.2.1"):
        with app.test_client() as visitor:  # a fresh browser each time, as a script would
            return visitor.post(
                "/auth/register",
                data={"email": f"new{n}@example.com", "password": "password123",
                      "confirm": "password123"},
                environ_base={"REMOTE_ADDR": address})

    responses = [register(n) for n in range(3)]

    assert [r.status_code for r in responses] == [302, 302, 429]
    assert ("Too many attempts to create an account from here."
            in responses[-1].get_data(as_text=True))
    assert register(3, address="192.0.2.2").status_code == 302  # another address
    emails = db.session.execute(db.select(User.email).order_by(User.email)).scalars().all()
    assert emails == ["new0@example.com", "new1@example.com", "new3@example.com"]


@pytest.mark.parametrize("app_config", [LIMITED])
def test_pages_without_a_limit_are_not_counted(client):
    responses = [client.get("/") for _ in range(5)]
    assert {r.status_code for r in responses} == {200}
    assert not any("X-RateLimit-Limit" in r.headers for r in responses)
    # The log-in page itself (GET) is not limited, only attempts (POST) are.
    assert {client.get("/auth/login").status_code for _ in range(3)} == {200}


@pytest.mark.parametrize("app_config", [LIMITED])
def test_an_ipv6_network_counts_as_one_client(client):
    def attempt(address):
        return client.post("/auth/login", data={"email": "a@example.com", "password": "x"},
                           environ_base={"REMOTE_ADDR": address}).status_code

    # One host's /64: a new address for each attempt buys no fresh attempts.
    assert [attempt(f"2001:db8:1:2::{n}") for n in range(1, 4)] == [200, 200, 429]
    assert attempt("2001:db8:1:3::1") == 200  # another network
    assert [attempt("192.0.2.1"), attempt("192.0.2.2")] == [200, 200]  # IPv4 as before


@pytest.mark.parametrize("app_config", [LIMITED])
def test_an_ipv4_client_seen_through_an_ipv6_socket_counts_as_that_ipv4_client(client):
    def attempt(address):
        return client.post("/auth/login", data={"email": "a@example.com", "password": "x"},
                           environ_base={"REMOTE_ADDR": address}).status_code

    # A dual-stack server sees IPv4 clients as ::ffff:a.b.c.d: they are not one network.
    assert [attempt("::ffff:192.0.2.1"), attempt("::ffff:198.51.100.7")] == [200, 200]
    assert [attempt("::ffff:192.0.2.3"), attempt("::ffff:203.0.113.9")] == [200, 200]
    # ...and each is the IPv4 client it names.
    assert [attempt("192.0.2.1"), attempt("::ffff:192.0.2.1")] == [200, 429]

@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True,
                                         "RATELIMIT_DEFAULT": "2/minute"}])
def test_a_limit_from_settings_is_told_in_words_not_as_the_limit(client):
    responses = [client.get("/") for _ in range(3)]
    assert responses[-1].status_code == 429
    page = responses[-1].get_data(as_text=True)
    assert "Too many attempts from here. Please wait a few minutes and try again." in page
    assert "per 1 minute" not in page


def test_an_app_is_limited_by_its_own_settings_only(database_url, _schema):
    make_test_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2/minute")
    # A second app in the same process (tests, tools), with no app-wide limit of its own.
    later = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                        "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True})
    with later.app_context():
        client = later.test_client()
        statuses = {client.get("/auth/login").status_code for _ in range(3)}
        dispose_all(db.engines)
    assert statuses == {200}


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("app_config", [{
    **LIMITED, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{unused_port()}/0"}])
def test_with_redis_down_limits_are_counted_in_the_process_and_nothing_fails(
    client, make_user
):
    make_user(email="ann@example.com", password="right-password")
    codes = [client.post("/auth/login", data={"email": "ann@example.com", "password": "x"}
                         ).status_code for _ in range(3)]
    assert codes == [200, 200, 429]  # still limited, not a 500 for every sign-in
    with client.application.test_client() as other_client:
        signed_in = other_client.post(
            "/auth/login", data={"email": "ann@example.com", "password": "right-password"},
            environ_base={"REMOTE_ADDR": "192.0.2.99"})
    assert signed_in.status_code == 302


def small_app(**config) -> Flask:
    """An app with a limiter of its own: app-wide limits would outlive the shop's app."""
    app = Flask(__name__)
    app.config.update({"RATELIMIT_STORAGE_URI": "memory://", **config})
    limiter = Limiter(get_remote_address)
    limiter.init_app(app)
    limit_only_where_declared(app, limiter)

    @app.get("/")
    def page():
        return "page"

    @app.post("/attempt")
    @limiter.limit("2/minute")
    def attempt():
        return "attempt"

    return app


def test_app_wide_limits_from_settings_reach_every_page():
    client = small_app(RATELIMIT_DEFAULT="3/minute").test_client()
    assert [client.get("/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_without_app_wide_limits_only_declared_ones_count():
    client = small_app().test_client()
    assert {client.get("/").status_code for _ in range(5)} == {200}
    assert [client.post("/attempt").status_code for _ in range(3)] == [200, 200, 429]


SERVED_WITH_REDIS_DOWN = """
import sys
from shop import create_app
app = create_app({
    "TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
    "SQLALCHEMY_DATABASE_URI": sys.argv[1], "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": sys.argv[2],
})
print(app.test_client().post("/auth/login", data={}).status_code)
"""


def test_redis_down_is_reported_where_the_apps_own_lines_go(tmp_path):
    """Served as gunicorn serves it, with no handler on the root logger: the warning
    that limits are now counted per server must still reach the log."""
    served = subprocess.run(
        [sys.executable, "-c", SERVED_WITH_REDIS_DOWN, f"sqlite:///{tmp_path / 'shop.db'}",
         f"redis://127.0.0.1:{unused_port()}/0"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert served.stdout.strip() == "200"  # the form again, not a 500
    assert "Rate limit storage unreachable" in served.stderr
