"""The cart's limits at their edges: stock, the most one order may take, and what is typed."""

import re
from datetime import timedelta
from html import unescape

from shop.checkout import access
from shop.extensions import db
from shop.models import Order
from tests.test_cart import add, cart_of


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True))).split())


def test_adding_a_sold_out_product_says_it_is_out_of_stock(client, make_product):
    mug = make_product(name="Mug", stock=0)
    page = text_of(add(client, mug.id, 1))
    assert 'Sorry, "Mug" is out of stock.' in page
    assert "Only 0" not in page
    assert cart_of(client) == {}


def test_when_the_stock_is_the_limit_the_customer_is_told_how_many_are_left(
    app, client, make_product
):
    app.config["MAX_PER_PRODUCT"] = 3
    mug = make_product(name="Mug", stock=3)
    page = text_of(add(client, mug.id, 4))
    assert 'Only 3 of "Mug" are left.' in page
    assert cart_of(client) == {}


def test_a_product_id_past_any_integer_is_not_available(client, make_product):
    make_product()
    page = add(client, "99999999999999999999")
    assert "That product is not available." in text_of(page)
    assert cart_of(client) == {}


def test_adding_none_of_a_product_already_in_the_cart_is_refused(client, make_product):
    mug = make_product(name="Mug", stock=5)
    add(client, mug.id, 2)
    refused = add(client, mug.id, 0)
    assert refused.status_code == 400
    assert "Choose a quantity of 1 or more." in text_of(refused)
    assert "Added Mug" not in text_of(refused)
    assert cart_of(client) == {str(mug.id): 2}


def test_a_long_refused_quantity_is_shown_back_cut_short(client, make_product):
    mug = make_product(name="Mug", stock=5)
    typed = "7" * 60
    refused = add(client, mug.id, typed)
    assert refused.status_code == 400
    box = re.search(r"<input [^>]*id=\"quantity\"[^>]*>", refused.get_data(as_text=True)).group(0)
    assert f'value="{"7" * 20}"' in box
    add(client, mug.id, 1)
    refused = client.post(f"/cart/{mug.id}/update", data={"quantity": typed})
    assert refused.status_code == 400
    line = re.search(rf'<input id="qty-{mug.id}"[^>]*>', refused.get_data(as_text=True)).group(0)
    assert f'value="{"7" * 20}"' in line


def test_a_signed_out_browser_stops_showing_an_accounts_unpaid_order_after_the_grace(
    app, client, make_product
):
    # A guest checks out, then makes an account in the same browser: the order joins it.
    mug = make_product(name="Mug", price_minor=2400)
    add(client, mug.id)
    number = client.post("/checkout", data={"email": "ann@example.com"}
                         ).headers["Location"].split("/")[2]
    client.post("/auth/register", data={"email": "ann@example.com", "password": "anns-password",
                                        "confirm": "anns-password"})
    # She signs out everywhere from another device; this browser is no longer signed in.
    with app.test_client() as phone:
        phone.post("/auth/login", data={"email": "ann@example.com", "password": "anns-password"})
        phone.post("/auth/logout")
    order = db.session.execute(db.select(Order).filter_by(number=number)).scalar_one()
    assert order.user_id is not None and order.status == "pending"
    assert f"Order {number}" in text_of(client.get("/cart/"))  # a bank may still send her back
    order.reserved_until -= access.RETURN_GRACE + timedelta(hours=1)
    db.session.commit()

    page = text_of(client.get("/cart/"))

    assert "waiting for payment" not in page and number not in page


def test_a_product_id_of_digits_that_are_not_ascii_is_not_available(client, make_product):
    make_product()
    for product_id in ("\u00b2", "\u0661"):  # a superscript two; an Arabic-Indic one
        page = add(client, product_id)
        assert page.status_code == 200, product_id
        assert "That product is not available." in text_of(page)
    assert cart_of(client) == {}
