"""Scale-out: two gunicorn instances on one PostgreSQL, rate limits kept in Redis.

Each customer's requests alternate between the two servers (a load balancer without
sticky sessions), the sandbox delivers every webhook to the second one with 30% of
them twice, and Flask-Limiter stores its counters in Redis. Then exactly-once must
still hold across processes and machines' worth of servers: every order paid once,
stock that adds up, no event handled twice; and a rate limit split across the two
servers trips at its configured total, not twice that.

Runs in CI's PostgreSQL pass (TEST_DATABASE_URL and TEST_REDIS_URL); there a missing
database or Redis fails the test, on a laptop it skips. SCALEOUT_ORDERS and
SCALEOUT_CLIENTS shrink or grow the load.
"""

import itertools
import json
import os
import re
import secrets
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests
import stripe

from shop.extensions import db
from shop.models import Order, OrderEvent, OrderLine, Payment, Product, StripeEvent, User
from tests.conftest import IN_CI, POSTGRES_URL, make_test_app
from tests.soak_support import (
    PUBLISHABLE_KEY,
    free_port,
    migrate,
    shop_env,
    start_gunicorn,
    start_sandbox_process,
    stop_all,
    throwaway_schema,
    webhook_url,
)

REDIS_URL = os.environ.get("TEST_REDIS_URL")
ORDERS = int(os.environ.get("SCALEOUT_ORDERS", "120"))
CLIENTS = int(os.environ.get("SCALEOUT_CLIENTS", "16"))
LOGIN_LIMIT = 10
META_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
PAY_LINK = re.compile(r"/orders/([A-Z0-9]+)/pay$")

pytestmark = [pytest.mark.soak, pytest.mark.postgres, pytest.mark.timeout(600)]


def _unavailable(reason: str) -> None:
    """In CI a missing service is a broken pipeline; on a laptop it is just absent."""
    if IN_CI:
        pytest.fail(f"scale-out test needs {reason}")
    pytest.skip(f"needs {reason}")


@pytest.fixture(scope="module")
def redis_url() -> str:
    if not REDIS_URL:
        _unavailable("TEST_REDIS_URL (Redis)")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as error:
        _unavailable(f"Redis at {REDIS_URL} ({error})")
    return REDIS_URL


@pytest.fixture
def two_shops(tmp_path: Path, redis_url: str):
    """Two gunicorn instances sharing a fresh schema, one sandbox, limits in Redis."""
    if not POSTGRES_URL:
        _unavailable("TEST_DATABASE_URL (PostgreSQL)")
    with throwaway_schema(POSTGRES_URL, prefix="scaleout") as database_url:
        migrate(database_url)
        ports = free_port(), free_port()
        sandbox = start_sandbox_process(forward_to=webhook_url(ports[1]), log_dir=tmp_path)
        env = shop_env(
            database_url, sandbox.url,
            SECRET_KEY="scaleout-" + secrets.token_hex(8),  # both servers sign alike
            RATELIMIT_ENABLED="1", RATELIMIT_STORAGE_URI=redis_url,
            LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT}/minute", PROXY_FIX="1",
        )
        shops = []
        try:
            for port in ports:
                shops.append(start_gunicorn(env, port=port, log_dir=tmp_path))
            app = make_test_app(database_url)
            with app.app_context():
                yield shops, sandbox
                db.session.remove()
                db.engine.dispose()
        finally:
            stop_all(*shops, sandbox)


class Customer:
    """A browser behind a load balancer: each request goes to the next server."""

    def __init__(self, shop_urls: list[str], sandbox_url: str, address: str):
        self.servers = itertools.cycle(shop_urls)
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = address
        self.stripe = stripe.StripeClient(PUBLISHABLE_KEY, base_addresses={"api": sandbox_url})
        self.token = ""

    def get(self, path: str) -> requests.Response:
        page = self.http.get(next(self.servers) + path, timeout=30)
        match = META_TOKEN.search(page.text)
        self.token = match.group(1) if match else self.token
        return page

    def post(self, path: str, **kwargs) -> requests.Response:
        if "json" in kwargs:
            kwargs["headers"] = {"X-CSRFToken": self.token}
        else:
            kwargs["data"] = {**kwargs.get("data", {}), "csrf_token": self.token}
        return self.http.post(next(self.servers) + path, allow_redirects=False, timeout=30,
                              **kwargs)

    def buy(self, slug: str, product_id: int, email: str) -> str:
        """Product page → cart → checkout → pay page → intent → Stripe.js → confirm."""
        self.get(f"/products/{slug}")
        assert self.post("/cart/add", data={"product_id": product_id, "quantity": 1}).is_redirect
        number = PAY_LINK.search(self.post("/checkout", data={"email": email})
                                 .headers["Location"]).group(1)
        assert self.get(f"/orders/{number}/pay").status_code == 200
        started = self.post(f"/orders/{number}/intent", json={"save_card": False})
        assert started.status_code == 200, started.text
        intent = started.json()
        self.stripe.v1.payment_intents.confirm(intent["intent_id"], {
            "client_secret": intent["client_secret"], "payment_method": "pm_card_visa",
            "return_url": f"http://shop.test/orders/{number}/return",
        })
        reported = self.post(f"/orders/{number}/confirm",
                             json={"payment_intent": intent["intent_id"]})
        assert reported.status_code == 200 and reported.json()["status"] == "paid", reported.text
        return number


def client_address() -> str:
    """A fresh address per client, so counters left in Redis by other runs never match."""
    return "10." + ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))


def handled_events(*logs: str) -> Counter:
    handled: Counter = Counter()
    for line in itertools.chain.from_iterable(log.splitlines() for log in logs):
        if '"action": "webhook.handled"' in line:
            record = json.loads(line[line.index("{"):])
            if record["outcome"] in ("processed", "ignored"):
                handled[record["event"]] += 1
    return handled


def test_exactly_once_holds_across_two_servers(two_shops):
    shops, sandbox = two_shops
    urls = [shop.url for shop in shops]
    product = Product(slug="scaleout-mug", name="Scale-out mug", description="Two servers.",
                      price_minor=1500, currency="usd", stock=ORDERS + 5, active=True)
    db.session.add(product)
    db.session.commit()
    slug, product_id = product.slug, product.id
    sandbox.control.webhook_behaviour(duplicate=0.3)

    def buy(n: int) -> str:
        customer = Customer(urls if n % 2 else urls[::-1], sandbox.url, client_address())
        return customer.buy(slug, product_id, f"scaleout{n}@example.com")

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        numbers = list(pool.map(buy, range(ORDERS)))
    sandbox.control.wait_for_deliveries(timeout=300)

    db.session.expire_all()
    assert len(set(numbers)) == ORDERS
    orders = db.session.execute(db.select(Order)).scalars().all()
    assert sorted(o.number for o in orders) == sorted(numbers)
    assert {o.status for o in orders} == {"paid"}
    paid_entries = Counter(db.session.execute(
        db.select(OrderEvent.order_id).where(OrderEvent.kind == "status_paid")).scalars())
    assert len(paid_entries) == ORDERS and set(paid_entries.values()) == {1}
    payments = Counter(db.session.execute(db.select(Payment.order_id)).scalars())
    assert set(payments.values()) == {1}
    sold = db.session.execute(db.select(db.func.sum(OrderLine.quantity))).scalar_one()
    assert sold == ORDERS and db.session.get(Product, product_id).stock == 5

    handled = handled_events(*(shop.log() for shop in shops))
    assert handled and max(handled.values()) == 1, "an event was handled twice"
    inbox = set(db.session.execute(db.select(StripeEvent.id)).scalars())
    assert set(handled) == inbox
    copies = Counter(d["event_id"] for d in sandbox.control.deliveries())
    assert any(n > 1 for n in copies.values()), "no webhook was delivered twice"
    served = [shop.log().count('"POST /orders/') for shop in shops]
    assert min(served) > 0, f"the load was not split across both servers: {served}"


def test_rate_limits_are_shared_by_both_servers(two_shops):
    shops, sandbox = two_shops
    # A fresh account per run too: failed sign-ins are also counted per account, in Redis.
    user = User(email=f"limited-{secrets.token_hex(4)}@example.com", name="Limited")
    user.set_password("right-password")
    db.session.add(user)
    db.session.commit()
    customer = Customer([shop.url for shop in shops], sandbox.url, client_address())
    customer.get("/auth/login")

    codes = [
        customer.post("/auth/login", data={"email": user.email, "password": "wrong"}).status_code
        for _ in range(2 * LOGIN_LIMIT)
    ]
    # Each server alone would allow LOGIN_LIMIT attempts; together they allow exactly that.
    assert 429 not in codes[:LOGIN_LIMIT], codes
    assert set(codes[LOGIN_LIMIT:]) == {429}, codes
    stranger = Customer([shop.url for shop in shops], sandbox.url, client_address())
    stranger.get("/auth/login")
    assert stranger.post("/auth/login", data={"email": user.email, "password": "wrong"}
                         ).status_code != 429
