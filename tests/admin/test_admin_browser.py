"""In Chromium: an admin finds a paid order by email, refunds part of it, sees it on the
timeline."""

import re

import pytest
from playwright.sync_api import expect

from tests.admin.conftest import ADMIN
from tests.browser.conftest import table_row

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


def test_admin_finds_a_paid_order_by_email_and_refunds_part(
    page, live_shop, admin, shopper, make_product
):
    order = shopper.checkout((make_product(name="Wool throw blanket", price_minor=8900), 1),
                             email="ann@example.com")
    shopper.checkout((make_product(price_minor=1200), 1), email="bob@example.com")
    _, error, _ = shopper.pay(order, "pm_card_visa")
    assert error is None

    page.goto(f"{live_shop.url}/auth/login")
    page.get_by_label("Email").fill(ADMIN[0])
    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Orders").click()

    page.get_by_label("Search").fill("Ann@Example.com")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("status")).to_contain_text("1 order matches")
    page.get_by_role("link", name=order.number).click()

    expect(page.get_by_role("heading", name=re.compile(f"Order {order.number}"))).to_be_visible()
    expect(page.get_by_label("Amount")).to_have_value("89.00")
    page.get_by_label("Amount").fill("20.00")
    page.get_by_label("Reason").select_option(label="Requested by customer")
    page.get_by_role("button", name="Refund", exact=True).click()

    expect(page.get_by_role("heading", name=f"Refund $20.00 of order {order.number}?")
           ).to_be_visible()
    page.get_by_role("button", name="Confirm refund").click()
    expect(page.get_by_role("status")).to_contain_text("Refund of $20.00: succeeded.")
    expect(table_row(page, "Refunded")).to_have_text(re.compile(r"^Refunded\s*\$20\.00$"))
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text(f"Refund of $20.00 requested by {ADMIN[0]}.")
    expect(timeline).to_contain_text("Refunded $20.00 of $89.00.")
    expect(page.get_by_label("Amount")).to_have_value("69.00")


def test_admin_pages_fit_a_phone_screen(page, live_shop, admin, shopper, make_product):
    order = shopper.checkout((make_product(price_minor=8900), 1), email="ann@example.com")
    _, error, _ = shopper.pay(order, "pm_card_visa")
    assert error is None
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_shop.url}/auth/login")
    page.get_by_label("Email").fill(ADMIN[0])
    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Log in").click()

    for path in ("/admin/orders", f"/admin/orders/{order.number}", "/admin/events"):
        page.goto(live_shop.url + path)
        # Wide tables scroll in their own box; the page itself does not widen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    page.goto(f"{live_shop.url}/admin/orders/{order.number}")
    expect(page.get_by_role("region", name="Payments table")).to_contain_text("succeeded")


def test_boxes_side_by_side_line_up_at_the_top(page, live_shop, admin):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_shop.url}/auth/login")
    page.get_by_label("Email").fill(ADMIN[0])
    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_shop.url}/admin/")
    tops = [page.get_by_role("region", name=f"Last {window}").bounding_box()["y"]
            for window in ("24 hours", "7 days", "30 days")]
    assert tops[0] == tops[1] == tops[2], tops  # one row of three, not a staircase
