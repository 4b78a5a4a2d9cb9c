"""Fixtures for the sandbox's own tests: one sandbox per session, reset before each test."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import stripe
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from stripe_sandbox.testing import RunningSandbox, run_sandbox

WEBHOOK_SECRET = "whsec_sandbox_tests"
SECRET_KEY = "sk_test_sandbox_tests"
PUBLISHABLE_KEY = "pk_test_sandbox_tests"
DEFAULTS = {"forward_to": None, "webhook_secret": WEBHOOK_SECRET, "retry_base": 0.05,
            "max_attempts": 6, "webhook_timeout": 5.0, "webhook_concurrency": 8,
            "enabled_events": ["*"], "processing_delay": 0.5}


@pytest.fixture(scope="session")
def sandbox() -> Iterator[RunningSandbox]:
    with run_sandbox(webhook_secret=WEBHOOK_SECRET, retry_base=0.05,
                     processing_delay=0.5) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_sandbox(sandbox: RunningSandbox) -> None:
    sandbox.control.reset()
    sandbox.control.configure(**DEFAULTS)


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for a state another thread reaches (never for a length of time)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def make_client(sandbox: RunningSandbox, key: str = SECRET_KEY, retries: int = 2):
    return stripe.StripeClient(key, base_addresses={"api": sandbox.url},
                               max_network_retries=retries)


@pytest.fixture
def client_for(sandbox: RunningSandbox) -> Callable[..., stripe.StripeClient]:
    """``client_for(key, retries=2)``: an SDK client with another key or retry count."""
    return lambda key=SECRET_KEY, retries=2: make_client(sandbox, key, retries)


@pytest.fixture
def client(sandbox: RunningSandbox) -> stripe.StripeClient:
    return make_client(sandbox)


@pytest.fixture
def pk_client(sandbox: RunningSandbox) -> stripe.StripeClient:
    return make_client(sandbox, PUBLISHABLE_KEY)


@pytest.fixture
def control(sandbox: RunningSandbox):
    return sandbox.control


@pytest.fixture
def pay(client: stripe.StripeClient) -> Callable[..., Any]:
    """Create and confirm an intent with a test payment method; returns the intent."""

    def pay(payment_method: str = "pm_card_visa", amount: int = 2000, **params: Any):
        return client.v1.payment_intents.create(params={
            "amount": amount, "currency": "usd", "payment_method_types": ["card"],
            "payment_method": payment_method, "confirm": True, **params})

    return pay


class Receiver:
    """A tiny webhook endpoint: records each POST and answers with queued statuses.

    Each request is answered after ``hold`` seconds, and not before ``gate`` is open
    (clear it to keep requests waiting until the test sets it); ``in_flight`` counts the
    requests being handled and ``max_in_flight`` the most there ever were at once.
    """

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.hold = 0.0
        self.gate = threading.Event()
        self.gate.set()
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        request = Request(environ)
        body = request.get_data()
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            status = self.statuses.pop(0) if self.statuses else 200
            self.received.append({"body": body, "signature": request.headers.get(
                "Stripe-Signature"), "status": status, "at": time.monotonic(),
                "event": json.loads(body)})
            hold = self.hold
        try:
            if hold:
                time.sleep(hold)
            self.gate.wait(timeout=30)
        finally:
            with self.lock:
                self.in_flight -= 1
        headers = {"Location": self.url} if 300 <= status < 400 else {}
        return Response("ok", status=status, headers=headers)(environ, start_response)

    def event_ids(self) -> list[str]:
        with self.lock:
            return [item["event"]["id"] for item in self.received]

    def stop(self) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(control) -> Iterator[Receiver]:
    endpoint = Receiver()
    control.configure(forward_to=endpoint.url)
    yield endpoint
    control.configure(forward_to=None)
    endpoint.stop()
