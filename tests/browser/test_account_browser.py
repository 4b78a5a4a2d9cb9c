"""A signed-in customer's own pages on a phone."""

from playwright.sync_api import expect

PHONE = {"width": 360, "height": 740}


def test_my_orders_fit_a_phone_screen(page, live_shop, make_user, make_product):
    make_user(email="ann@example.com", password="right-password")
    make_product(name="Enamel camp mug", price_minor=123456, stock=5)
    page.set_viewport_size(PHONE)
    page.goto(live_shop.url + "/auth/login")
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Password").fill("right-password")
    page.get_by_role("button", name="Log in").click()
    page.goto(live_shop.url + "/")
    page.get_by_role("link", name="Enamel camp mug").click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("button", name="Checkout").click()

    page.get_by_role("link", name="My orders").click()
    expect(page.get_by_role("heading", name="My orders")).to_be_visible()
    # The table scrolls in its own box, which a keyboard can reach; the page itself
    # does not widen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    orders = page.get_by_role("region", name="Your orders")
    expect(orders).to_contain_text("$1,234.56")
    expect(orders).to_have_attribute("tabindex", "0")
