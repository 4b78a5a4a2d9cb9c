"""The cart's lines when something is wrong with them, as a screen-reader user meets them."""

from playwright.sync_api import expect

from shop.extensions import db


def add_to_cart(page, live_shop, name: str, quantity: int = 1) -> None:
    page.goto(live_shop.url + "/")
    page.get_by_role("link", name=name).click()
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()


def test_a_line_short_of_stock_says_why_beside_its_quantity(page, live_shop, make_product):
    teapot = make_product(name="Glass teapot", stock=5)
    add_to_cart(page, live_shop, "Glass teapot", 3)
    teapot.stock = 2  # others bought some while the cart page was open
    db.session.commit()

    quantity = page.get_by_label("Quantity of Glass teapot", exact=True)
    quantity.fill("4")
    page.get_by_role("button", name="Update quantity of Glass teapot").click()
    expect(page.get_by_role("row", name="Glass teapot")).to_contain_text(
        'Only 2 of "Glass teapot" are left.')
    quantity = page.get_by_label("Quantity of Glass teapot", exact=True)
    expect(quantity).to_be_focused()
    expect(quantity).to_have_value("4")  # what was typed, to correct
    expect(quantity).to_have_accessible_description('Only 2 of "Glass teapot" are left.')
    expect(page.get_by_role("alert")).to_have_count(0)  # not again at the top of the page

    page.get_by_role("link", name="Cart (3 items)").click()  # the cart as it stands
    quantity = page.get_by_label("Quantity of Glass teapot", exact=True)
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(quantity).to_have_accessible_description("Only 2 left; lower the quantity.")
    quantity.fill("2")
    page.get_by_role("button", name="Update quantity of Glass teapot").click()
    expect(page.get_by_role("button", name="Checkout")).to_be_visible()


def test_a_line_out_of_stock_offers_only_remove(page, live_shop, make_product):
    make_product(name="Glass teapot", stock=5)
    player = make_product(name="Record player", stock=1)
    add_to_cart(page, live_shop, "Glass teapot")
    add_to_cart(page, live_shop, "Record player")
    player.stock = 0
    db.session.commit()

    page.get_by_label("Email").fill("guest@example.com")
    page.get_by_role("button", name="Checkout").click()

    # Told once, as an alert; the line says which item and what to do about it.
    expect(page.get_by_role("alert")).to_have_count(1)
    expect(page.get_by_role("row", name="Record player")).to_contain_text("Out of stock.")
    expect(page.get_by_label("Quantity of Record player", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Update quantity of Record player")).to_have_count(0)
    page.get_by_role("button", name="Remove Record player").click()
    expect(page.get_by_role("button", name="Checkout")).to_be_visible()
