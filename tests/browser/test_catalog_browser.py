import re

from playwright.sync_api import expect


def test_add_a_product_and_see_the_subtotal(page, live_shop, make_product):
    make_product(name="Glass teapot", price_minor=2800, stock=4)
    make_product(name="Brass pen", price_minor=3200)

    page.goto(live_shop.url + "/")
    page.get_by_role("link", name="Glass teapot").click()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()

    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Added Glass teapot to your cart.")
    expect(page.get_by_test_id("subtotal")).to_have_text("$56.00")
    expect(page.get_by_label(re.compile("items in cart"))).to_have_text("2")
