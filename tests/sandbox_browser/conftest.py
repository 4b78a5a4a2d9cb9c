"""Fixtures for driving the sandbox's Stripe.js stand-in in Chromium.

A tiny shop (``page/``) runs on its own port, so the page and the sandbox are truly
cross-origin. Its server side creates intents through the real ``stripe`` SDK with a
secret key; its page mounts the Payment Element from the sandbox's ``/v3/``.
"""

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import stripe
from flask import Flask, jsonify, render_template, request, send_from_directory
from playwright.sync_api import Browser, Page, expect

from stripe_sandbox.testing import run_sandbox
from tests.conftest import LiveServer

PAGE_DIR = Path(__file__).with_name("page")
PUBLISHABLE_KEY = "pk_test_browser"
SECRET_KEY = "sk_test_browser"
AMOUNT = 1999


def make_test_shop(sandbox_url: str, client: stripe.StripeClient) -> Flask:
    """The test shop: one checkout page in three flavours, and a return page.

    ``/?flow=deferred`` (intent created on submit), ``intent`` (created on page load) or
    ``setup`` (a SetupIntent for a new customer); ``&redirect=if_required|always``.
    """
    app = Flask(__name__, template_folder=str(PAGE_DIR))
    app.config["intents_created"] = 0

    @app.get("/")
    def checkout():
        flow = request.args.get("flow", "deferred")
        client_secret = ""
        if flow == "intent":
            client_secret = _create_payment_intent(client).client_secret
        elif flow == "setup":
            customer = client.v1.customers.create({"email": "saver@example.com"})
            intent = client.v1.setup_intents.create(
                {"customer": customer.id, "payment_method_types": ["card"]}
            )
            client_secret = intent.client_secret
        html = render_template(
            "checkout.html",
            sandbox_url=sandbox_url,
            publishable_key=PUBLISHABLE_KEY,
            flow=flow,
            redirect=request.args.get("redirect", "if_required"),
            client_secret=client_secret,
            return_url=f"{request.host_url}return",
        )
        # As strict as the shop's own policy: only the sandbox may run code or frames.
        policy = (
            f"default-src 'self'; script-src 'self' {sandbox_url}; frame-src {sandbox_url}; "
            f"connect-src 'self' {sandbox_url}; style-src 'self'; frame-ancestors 'none'"
        )
        return html, 200, {"Content-Security-Policy": policy}

    @app.post("/intents")
    def create_intent():
        app.config["intents_created"] += 1
        intent = _create_payment_intent(client)
        return jsonify(id=intent.id, client_secret=intent.client_secret)

    @app.get("/page/<path:name>")
    def page_file(name):
        return send_from_directory(PAGE_DIR, name)

    @app.get("/return")
    def returned():
        return send_from_directory(PAGE_DIR, "return.html")

    return app


def _create_payment_intent(client: stripe.StripeClient):
    return client.v1.payment_intents.create(
        {"amount": AMOUNT, "currency": "usd", "automatic_payment_methods": {"enabled": True}}
    )


@pytest.fixture(scope="session")
def sandbox():
    with run_sandbox() as handle:
        yield handle


@pytest.fixture(scope="session")
def stripe_client(sandbox) -> stripe.StripeClient:
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": sandbox.url})


@pytest.fixture(scope="session")
def test_shop_server(sandbox, stripe_client) -> Iterator[LiveServer]:
    server = LiveServer(make_test_shop(sandbox.url, stripe_client))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(chromium) -> Browser:
    """The run's one Chromium (tests/browser_support.py)."""
    return chromium


@pytest.fixture
def page(browser, sandbox) -> Iterator[Page]:
    sandbox.control.reset()
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


class Checkout:
    """The test shop's checkout page, driven through accessible names."""

    amount = AMOUNT

    def __init__(self, page: Page, shop_url: str):
        self.page = page
        self.shop_url = shop_url
        self.frame = page.get_by_title("Secure payment input frame").content_frame

    def open(self, flow: str = "deferred", redirect: str = "if_required") -> "Checkout":
        self.page.goto(f"{self.shop_url}/?flow={flow}&redirect={redirect}")
        expect(self.pay_button).to_be_enabled()  # once the card form is ready
        return self

    def fill_card(
        self,
        number: str,
        expiry: str | None = None,
        cvc: str = "123",
        postal_code: str = "12345",
    ) -> None:
        self.frame.get_by_label("Card number").press_sequentially(number)
        self.frame.get_by_label("Expiration date").fill(expiry or self.future_expiry())
        self.frame.get_by_label("Security code").fill(cvc)
        self.frame.get_by_label("ZIP").fill(postal_code)

    @property
    def pay_button(self):
        return self.page.get_by_role("button", name="Pay")

    def pay(self) -> None:
        self.pay_button.click()

    @staticmethod
    def future_expiry() -> str:
        return f"12 / {(date.today().year + 3) % 100:02d}"

    @property
    def error(self):
        return self.page.get_by_role("alert")

    @property
    def outcome(self):
        return self.page.get_by_role("status")

    @property
    def card_state(self):
        """What the page says of the card form's last change event."""
        return self.page.get_by_text(re.compile(r"^Card details: "))

    @property
    def challenge(self):
        return self.page.get_by_title("3D Secure challenge").content_frame


@pytest.fixture
def checkout(page, test_shop_server) -> Checkout:
    return Checkout(page, test_shop_server.url)
