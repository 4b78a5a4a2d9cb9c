"""Soak: hundreds of customers paying at once through gunicorn, against a misbehaving Stripe.

The shop runs under gunicorn (2 workers) on a throwaway PostgreSQL schema; the sandbox
runs as its own process. Customers are HTTP clients using the real pages: product page
(for the CSRF token), cart, checkout, the pay page's intent and confirm calls, and
Stripe.js's confirm (the SDK with the publishable key). Meanwhile the sandbox delivers
30% of webhooks twice, in reversed batches, and answers 5% of PaymentIntent API calls
with a 500 after doing the work. The shop runs with no SDK retries here, so those 500s
reach it: intent creation fails for the customer (who presses Pay again) and webhook
deliveries fail (and Stripe delivers them again).

Then: every order is what Stripe says, stock adds up, no event was applied twice, and
nothing that looks like a card number or secret is in the database or the logs.
SOAK_ORDERS, SOAK_RACERS, SOAK_LAST_UNITS and SOAK_CLIENTS shrink it for a local run.
"""

import json
import os
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import stripe

from shop.extensions import db
from shop.models import Order, OrderEvent, OrderLine, Payment, Product, StripeEvent
from shop.services.stripe_client import UNAVAILABLE
from tests.conftest import POSTGRES_URL, make_test_app
from tests.security.leaks import card_numbers, database_text, secrets_in
from tests.soak_support import (
    PUBLISHABLE_KEY,
    SECRET_KEY,
    free_port,
    migrate,
    shop_env,
    start_gunicorn,
    start_sandbox_process,
    stop_all,
    throwaway_schema,
    webhook_url,
)

ORDERS = int(os.environ.get("SOAK_ORDERS", "500"))
RACERS = int(os.environ.get("SOAK_RACERS", "200"))
LAST_UNITS = int(os.environ.get("SOAK_LAST_UNITS", "50"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "24"))
META_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
PAY_LINK = re.compile(r"/orders/([A-Z0-9]+)/pay$")

pytestmark = [
    pytest.mark.soak,
    pytest.mark.postgres,
    pytest.mark.timeout(900),
    pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)"),
]


class Customer:
    """One browser: a requests session on the shop, and Stripe.js's side of paying."""

    def __init__(self, shop_url: str, sandbox_url: str):
        self.shop = shop_url
        self.http = requests.Session()
        self.stripe = stripe.StripeClient(
            PUBLISHABLE_KEY, base_addresses={"api": sandbox_url}, max_network_retries=4
        )
        self.token = ""

    def _page(self, path: str) -> None:
        page = self.http.get(self.shop + path, timeout=30)
        self.token = META_TOKEN.search(page.text).group(1)

    def _post(self, path: str, **kwargs) -> requests.Response:
        if "json" in kwargs:
            kwargs["headers"] = {"X-CSRFToken": self.token}
        else:
            kwargs["data"] = {**kwargs.get("data", {}), "csrf_token": self.token}
        return self.http.post(self.shop + path, allow_redirects=False, timeout=30, **kwargs)

    def place_order(self, slug: str, product_id: int, email: str) -> str | None:
        """The order number, or None when the product sold out first."""
        self._page(f"/products/{slug}")
        self._post("/cart/add", data={"product_id": product_id, "quantity": 1})
        placed = self._post("/checkout", data={"email": email})
        match = PAY_LINK.search(placed.headers.get("Location", ""))
        return match.group(1) if match else None

    def pay(self, number: str) -> str:
        """Press Pay until Stripe answers, confirm at Stripe, report; returns the intent id."""
        self._page(f"/orders/{number}/pay")
        for _ in range(20):
            started = self._post(f"/orders/{number}/intent", json={"save_card": False})
            if started.status_code == 200:
                break
            assert started.json() == {"error": UNAVAILABLE}, started.text
            time.sleep(0.1)  # "try again in a minute", only faster
        else:
            raise AssertionError(f"{number}: no intent after 20 tries")
        intent = started.json()
        self.stripe.v1.payment_intents.confirm(
            intent["intent_id"],
            {"client_secret": intent["client_secret"], "payment_method": "pm_card_visa",
             "return_url": f"{self.shop}/orders/{number}/return"},
        )
        for _ in range(5):
            reported = self._post(f"/orders/{number}/confirm",
                                  json={"payment_intent": intent["intent_id"]})
            if reported.status_code == 200:
                break
            time.sleep(0.1)  # Stripe hiccuped; the webhook will also tell the shop
        return intent["intent_id"]


def keep_reversing(control, stop: threading.Event) -> None:
    """Hold deliveries in batches of ten and send each batch newest first, all run long."""
    while not stop.wait(0.3):
        control.webhook_behaviour(reverse=10)


@pytest.fixture
def soak(tmp_path: Path):
    """A migrated throwaway schema, the sandbox process and gunicorn; all gone afterwards."""
    with throwaway_schema(POSTGRES_URL) as database_url:
        migrate(database_url)
        shop_port = free_port()
        sandbox = start_sandbox_process(forward_to=webhook_url(shop_port), log_dir=tmp_path)
        shop = None
        try:
            shop = start_gunicorn(
                shop_env(database_url, sandbox.url, STRIPE_MAX_RETRIES="0", STRIPE_TIMEOUT="20"),
                port=shop_port, workers=2, threads=4, log_dir=tmp_path,
            )
            app = make_test_app(database_url)
            with app.app_context():
                yield shop, sandbox
                db.session.remove()
                db.engine.dispose()
        finally:
            stop_all(shop, sandbox)


def add_product(slug: str, stock: int) -> tuple[str, int]:
    product = Product(slug=slug, name=slug.title(), description="Soak.", price_minor=1500,
                      currency="usd", stock=stock, active=True)
    db.session.add(product)
    db.session.commit()
    return product.slug, product.id


def buy(shop, sandbox, slug: str, product_id: int, n: int) -> tuple[str | None, str | None]:
    customer = Customer(shop.url, sandbox.url)
    number = customer.place_order(slug, product_id, f"soak{n}@example.com")
    return number, (customer.pay(number) if number else None)


def run_customers(shop, sandbox, slug, product_id, count) -> list[tuple]:
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(buy, shop, sandbox, slug, product_id, n) for n in range(count)]
        return [future.result() for future in futures]


def stripe_intents(sandbox_url: str) -> list[dict]:
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": sandbox_url})
    intents, params = [], {"limit": 100}
    while True:
        page = client.v1.payment_intents.list(params=params)
        intents.extend(i.to_dict() for i in page["data"])
        if not page["has_more"]:
            return intents
        params["starting_after"] = page["data"][-1]["id"]


def check_orders_match_stripe(sandbox_url: str) -> None:
    """Each order has one intent at Stripe, and its status is what that intent says."""
    intents = stripe_intents(sandbox_url)
    per_order = Counter(i["metadata"]["order_id"] for i in intents)
    assert max(per_order.values()) == 1, "an order got a second PaymentIntent"
    by_order = {int(i["metadata"]["order_id"]): i for i in intents}
    db.session.expire_all()
    for order in db.session.execute(db.select(Order)).scalars():
        intent = by_order[order.id]
        expected = "paid" if intent["status"] == "succeeded" else "pending"
        assert order.status == expected, (order.number, order.status, intent["status"])
        (payment,) = order.payments
        assert payment.intent_id == intent["id"] and payment.status == intent["status"]


def check_nothing_applied_twice(shop_log: str) -> None:
    paid_entries = Counter(
        db.session.execute(
            db.select(OrderEvent.order_id).where(OrderEvent.kind == "status_paid")
        ).scalars()
    )
    assert set(paid_entries.values()) <= {1}
    handled = Counter()
    for line in shop_log.splitlines():
        if '"action": "webhook.handled"' in line:
            record = json.loads(line[line.index("{"):])
            if record["outcome"] in ("processed", "ignored"):
                handled[record["event"]] += 1
    assert handled and max(handled.values()) == 1, "an event was handled twice"
    inbox = set(db.session.execute(db.select(StripeEvent.id)).scalars())
    assert set(handled) == inbox


def check_no_card_numbers_or_secrets(*texts: str) -> None:
    for text_ in texts:
        assert card_numbers(text_) == []
        assert secrets_in(text_) == []


def test_soak_concurrent_payments_against_a_misbehaving_stripe(soak):
    shop, sandbox = soak
    control = sandbox.control
    slug, product_id = add_product("soak-mug", stock=ORDERS + 10)
    control.webhook_behaviour(duplicate=0.3)
    control.fault("/v1/payment_intents", "error_after", count=10**6, rate=0.05)
    stop = threading.Event()
    reverser = threading.Thread(target=keep_reversing, args=(control, stop), daemon=True)
    reverser.start()
    started = time.monotonic()
    try:
        results = run_customers(shop, sandbox, slug, product_id, ORDERS)
    finally:
        stop.set()
        reverser.join()
    control.webhook_behaviour(reverse=0)
    control.wait_for_deliveries(timeout=300)
    control.clear_faults()
    took = time.monotonic() - started

    assert all(number and intent for number, intent in results)
    check_orders_match_stripe(sandbox.url)
    paid = db.session.execute(
        db.select(db.func.count(Order.id)).where(Order.status == "paid")
    ).scalar_one()
    assert paid == ORDERS
    sold = db.session.execute(db.select(db.func.sum(OrderLine.quantity))).scalar_one()
    assert db.session.get(Product, product_id).stock == ORDERS + 10 - sold == 10
    shop_log = shop.log()
    check_nothing_applied_twice(shop_log)

    deliveries = control.deliveries()
    copies = Counter(d["event_id"] for d in deliveries)
    codes = Counter(a.get("status_code") for d in deliveries for a in d["attempts"])
    assert any(n > 1 for n in copies.values()), "no delivery was duplicated"
    if ORDERS >= 100:
        assert codes[500] > 0, "no delivery failed, so no retry was exercised"
    assert all(d["delivered"] for d in deliveries), "a delivery never got through"
    check_no_card_numbers_or_secrets(database_text(), shop_log, sandbox.log())
    print(f"\nsoak: {ORDERS} orders in {took:.1f} s; deliveries {len(deliveries)}, "
          f"attempt codes {dict(codes)}")


def test_soak_last_units_go_to_exactly_that_many_buyers(soak):
    shop, sandbox = soak
    sandbox.control.webhook_behaviour(duplicate=0.3)
    slug, product_id = add_product("last-lamps", stock=LAST_UNITS)
    results = run_customers(shop, sandbox, slug, product_id, RACERS)
    sandbox.control.wait_for_deliveries(timeout=120)

    winners = [number for number, _ in results if number]
    assert len(winners) == LAST_UNITS
    db.session.expire_all()
    assert db.session.get(Product, product_id).stock == 0
    statuses = Counter(db.session.execute(db.select(Order.status)).scalars())
    assert statuses == {"paid": LAST_UNITS}
    payments = db.session.execute(db.select(db.func.count(Payment.id))).scalar_one()
    assert payments == LAST_UNITS
    check_orders_match_stripe(sandbox.url)
    check_no_card_numbers_or_secrets(database_text(), shop.log())
