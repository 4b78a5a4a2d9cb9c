"""In Chromium, with the CSP enforced: the pay page (3-D Secure included) and the add-card
page work, the browser reports no CSP violation, and no card number reaches the shop."""

import logging
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import challenge, fill_card, order_status
from tests.browser.test_cards_browser import add_card, sign_in
from tests.payments_support import settle_webhooks
from tests.security.leaks import card_numbers, database_text, secrets_in

pytestmark = pytest.mark.browser
CSP_WORDS = ("Content Security Policy", "Content-Security-Policy")


@pytest.fixture
def page(chromium, caplog):
    caplog.set_level(logging.INFO)
    context = chromium.new_context()
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.violations = []
    tab.on("console", lambda m: tab.violations.append(m.text)
           if any(w in m.text for w in CSP_WORDS) else None)
    tab.on("pageerror", lambda error: tab.violations.append(f"page error: {error}"))
    yield tab
    context.close()


def enforced_policy(page, url: str) -> str:
    response = page.goto(url)
    policy = response.headers["content-security-policy"]
    assert "content-security-policy-report-only" not in response.headers
    return policy


def test_paying_with_3ds_and_adding_a_card_work_under_the_csp(
    page, live_shop, webhooks_on, sandbox, make_product, make_user, caplog
):
    make_product(name="Glass teapot", price_minor=2800, stock=5)
    make_user(email="csp@example.com", password="csp-pass-123")
    sign_in(page, live_shop.url, "csp@example.com", "csp-pass-123")

    policy = enforced_policy(page, live_shop.url + "/")
    assert sandbox.url in policy and "frame-ancestors 'none'" in policy
    page.get_by_role("link", name="Glass teapot").click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("button", name="Checkout").click()
    expect(page.get_by_role("heading", name=re.compile("Pay for order"))).to_be_visible()
    fill_card(page, "4000002500003155")
    page.get_by_role("button", name="Pay $28.00").click()
    challenge(page).get_by_role("button", name="Complete").click()
    expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    expect(order_status(page)).to_have_text(re.compile(r"Status Paid$"))

    enforced_policy(page, f"{live_shop.url}/account/cards")
    add_card(page, "4242424242424242")
    settle_webhooks(sandbox)

    assert page.violations == []
    stored, logged = database_text(), caplog.text
    assert card_numbers(stored) == [] and card_numbers(logged) == []
    assert secrets_in(logged) == []
