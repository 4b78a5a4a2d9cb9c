"""Shopping in Chromium: the catalog, the cart, and getting around by keyboard."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import table_row


def test_add_a_product_and_see_the_subtotal(page, live_shop, make_product):
    make_product(name="Glass teapot", price_minor=2800, stock=4)
    make_product(name="Brass pen", price_minor=3200)

    page.goto(live_shop.url + "/")
    page.get_by_role("link", name="Glass teapot").click()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()

    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Added Glass teapot to your cart.")
    expect(table_row(page, "Subtotal")).to_have_text(re.compile(r"^Subtotal\s*\$56\.00$"))
    expect(page.get_by_role("link", name="Cart (2 items)")).to_be_visible()

    # Each row's controls say which product they are for.
    page.get_by_label("Quantity of Glass teapot", exact=True).fill("1")
    page.get_by_role("button", name="Update quantity of Glass teapot").click()
    expect(page.get_by_role("link", name="Cart (1 item)")).to_be_visible()
    expect(table_row(page, "Subtotal")).to_have_text(re.compile(r"^Subtotal\s*\$28\.00$"))


def test_the_first_tab_offers_to_skip_to_the_page_content(page, live_shop, make_product):
    make_product(name="Glass teapot")
    page.goto(live_shop.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the next stop is in the page, past the header's links
    expect(page.get_by_role("link", name="Glass teapot").first).to_be_focused()
