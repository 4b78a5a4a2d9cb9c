"""Load that needs state: customers paying over HTTP, and signed webhook deliveries.

Customers speak plain HTTP/1.1 with keep-alive (http.client), carry their own session
cookie and CSRF token, and each comes from an address of its own (X-Forwarded-For,
trusted through PROXY_FIX), so per-client rate limits apply per customer as they
would behind a load balancer. They confirm at the sandbox with the publishable key
and the client secret, exactly as Stripe.js does.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import itertools
import json
import random
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

import stripe

CSRF_META = re.compile(rb'name="csrf-token" content="([^"]+)"')


class FlowError(RuntimeError):
    """A step of the flow answered something a working shop never answers."""


class Browser:
    """One customer's connection to the shop: cookie, CSRF token, client address."""

    def __init__(self, base_url: str, address: str):
        self.host = urllib.parse.urlsplit(base_url).netloc
        self.conn = http.client.HTTPConnection(self.host, timeout=30)
        self.address = address
        self.cookie = ""
        self.csrf = ""

    def reset(self, address: str) -> None:
        self.address, self.cookie, self.csrf = address, "", ""

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, dict, bytes]:
        headers = {"X-Forwarded-For": self.address, "Host": self.host}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if content_type:
            headers["Content-Type"] = content_type
        if self.csrf and method == "POST":
            headers["X-CSRFToken"] = self.csrf
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()  # the server closed an idle keep-alive connection
                if attempt == 2:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, dict(response.getheaders()), data

    def get(self, path: str) -> bytes:
        status, _, data = self.request("GET", path)
        if status != 200:
            raise FlowError(f"GET {path} answered {status}")
        match = CSRF_META.search(data)
        if match:
            self.csrf = match.group(1).decode()
        return data

    def post_form(self, path: str, fields: dict) -> dict:
        body = urllib.parse.urlencode({**fields, "csrf_token": self.csrf}).encode()
        status, headers, _ = self.request("POST", path, body,
                                          "application/x-www-form-urlencoded")
        if status != 302:
            raise FlowError(f"POST {path} answered {status}")
        return headers

    def post_json(self, path: str, payload: dict) -> dict:
        status, _, data = self.request("POST", path, json.dumps(payload).encode(),
                                       "application/json")
        if status != 200:
            raise FlowError(f"POST {path} answered {status}: {data[:200]!r}")
        return json.loads(data)


@dataclass
class PaidOrders:
    numbers: list[str] = field(default_factory=list)
    bought: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, number: str, slug: str) -> None:
        with self.lock:
            self.numbers.append(number)
            self.bought[slug] = self.bought.get(slug, 0) + 1


def pay_one(browser: Browser, stripe_js: stripe.StripeClient, slug: str, product_id: int,
            email: str) -> str:
    """Product page → cart → checkout → pay page → intent → Stripe.js confirm → confirm."""
    browser.get(f"/products/{slug}")
    browser.post_form("/cart/add", {"product_id": product_id, "quantity": 1})
    location = browser.post_form("/checkout", {"email": email})["Location"]
    number = re.search(r"/orders/([A-Z0-9]+)/pay", location).group(1)
    browser.get(f"/orders/{number}/pay")
    intent = browser.post_json(f"/orders/{number}/intent", {"save_card": False})
    confirmed = stripe_js.v1.payment_intents.confirm(intent["intent_id"], {
        "client_secret": intent["client_secret"], "payment_method": "pm_card_visa",
        "return_url": f"http://{browser.host}/orders/{number}/return",
    })
    if confirmed.status != "succeeded":
        raise FlowError(f"{intent['intent_id']} is {confirmed.status}")
    result = browser.post_json(f"/orders/{number}/confirm",
                               {"payment_intent": intent["intent_id"]})
    if result["status"] != "paid":
        raise FlowError(f"order {number} is {result['status']} after paying")
    return number


def run_customers(shop_url: str, sandbox_url: str, publishable_key: str,
                  products: list[tuple[str, int]], seconds: float, customers: int) -> PaidOrders:
    """`customers` concurrent customers each paying order after order for `seconds`."""
    paid = PaidOrders()
    addresses = (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in itertools.count(1))
    next_address = threading.Lock()
    deadline = time.monotonic() + seconds

    def customer(index: int) -> None:
        stripe_js = stripe.StripeClient(publishable_key, base_addresses={"api": sandbox_url},
                                        max_network_retries=0)
        browser = Browser(shop_url, "")
        rng = random.Random(index)
        while time.monotonic() < deadline:
            with next_address:
                address = next(addresses)
            browser.reset(address)
            slug, product_id = rng.choice(products)
            try:
                number = pay_one(browser, stripe_js, slug, product_id,
                                 f"buyer-{address}@example.com")
            except (FlowError, OSError, stripe.StripeError) as error:
                with paid.lock:
                    paid.failures.append(f"{type(error).__name__}: {error}")
                continue
            paid.add(number, slug)

    threads = [threading.Thread(target=customer, args=(i,)) for i in range(customers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return paid


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """Stripe-Signature as Stripe builds it: t=<unix time>,v1=<HMAC-SHA256 of 't.body'>."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def delivery_file(path, templates: list[dict], count: int, duplicates: float,
                  secret: str, prefix: str = "evt_bench_") -> int:
    """Write `count` signed deliveries, a `duplicates` share of them repeats of earlier
    ones (sent again a few deliveries later, as Stripe's retries are). Returns how many
    distinct events the file holds."""
    rng = random.Random(8)
    now = int(time.time())
    lines: list[str] = []
    sent: list[str] = []
    unique = 0
    for _ in range(count):
        if sent and rng.random() < duplicates:
            lines.append(sent[max(0, len(sent) - 1 - rng.randrange(50))])
            continue
        unique += 1
        event = {**templates[unique % len(templates)], "id": f"{prefix}{unique}"}
        body = json.dumps(event, separators=(",", ":"))
        line = f"{sign(body.encode(), secret, now)}\t{body}"
        lines.append(line)
        sent.append(line)
    path.write_text("\n".join(lines) + "\n")
    return unique
