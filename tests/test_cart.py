import re
from html import unescape

import pytest

from shop.extensions import db
from shop.models import Order
from tests.db_support import statements


def add(client, product_id, quantity=1, **extra):
    return client.post(
        "/cart/add",
        data={"product_id": product_id, "quantity": quantity, **extra},
        follow_redirects=True,
    )


def cart_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session.get("cart", {}))


def test_add_shows_line_total_and_subtotal(client, make_product):
    mug = make_product(name="Mug", price_minor=1400)
    towel = make_product(name="Towel", price_minor=1200)
    add(client, mug.id, 2)
    page = add(client, towel.id, 1).get_data(as_text=True)
    assert "$28.00" in page  # 2 x $14.00
    assert "$40.00" in page  # subtotal
    assert cart_of(client) == {str(mug.id): 2, str(towel.id): 1}


def test_client_cannot_set_the_price(client, make_product):
    mug = make_product(name="Mug", price_minor=1400)
    page = add(client, mug.id, 1, price_minor=1, price="0.01").get_data(as_text=True)
    assert "$14.00" in page and "$0.01" not in page


@pytest.mark.parametrize(("quantity", "message"), [
    (0, "Choose a quantity of 1 or more."),  # typed, so not "Enter a quantity."
    (-1, "Choose a quantity of 1 or more."),
    ("abc", "Enter the quantity as a whole number, like 2."),
    ("", "Enter a quantity."),
    (1000, 'Only 5 of "Mug" are left.'),  # the real limit, not a form's own
])
def test_bad_quantities_are_refused_with_one_message(client, make_product, quantity, message):
    mug = make_product(name="Mug", stock=5)
    refused = add(client, mug.id, quantity)
    assert refused.status_code == 400
    page = unescape(refused.get_data(as_text=True))
    assert re.findall(r'<p class="field-error" id="quantity-error">([^<]*)</p>', page) == [message]
    assert "flash-error" not in page  # said once, beside the box
    assert cart_of(client) == {}


def test_a_refused_quantity_is_told_beside_its_box_with_what_was_typed(client, make_product):
    mug = make_product(name="Mug", stock=5)
    add(client, mug.id, 4)
    refused = client.post("/cart/add", data={"product_id": mug.id, "quantity": 3},
                          headers={"Referer": f"http://localhost/products/{mug.slug}"})
    assert refused.status_code == 400
    page = unescape(refused.get_data(as_text=True))
    assert "<title>Error: Mug · " in page
    assert "<h1>Mug</h1>" in page  # the product's page again, its form to correct
    box = re.search(r"<input [^>]*id=\"quantity\"[^>]*>", page).group(0)
    assert 'value="3"' in box and 'aria-invalid="true"' in box and "autofocus" in box
    assert 'aria-describedby="quantity-error"' in box
    assert ('<p class="field-error" id="quantity-error">You already have 4 of "Mug" in your'
            " cart; you can add 1 more.</p>") in page
    assert cart_of(client) == {str(mug.id): 4}
    # The page everyone else gets is unchanged: no error, the usual 1.
    assert 'value="1"' in client.get(f"/products/{mug.slug}").get_data(as_text=True)


def test_the_limit_per_order_is_the_one_quoted(app, client, make_product):
    mug = make_product(name="Enamel camp mug", stock=40)
    page = unescape(add(client, mug.id, 999).get_data(as_text=True))
    assert 'You can buy at most 20 of "Enamel camp mug" in one order.' in page
    player = make_product(name="Record player", stock=1)
    page = unescape(add(client, player.id, 2).get_data(as_text=True))
    assert 'Only 1 of "Record player" is left.' in page


def test_one_order_cannot_hold_a_products_whole_stock(app, client, make_product):
    app.config["MAX_PER_PRODUCT"] = 3
    mug = make_product(name="Mug", stock=40)
    page = unescape(add(client, mug.id, 4).get_data(as_text=True))
    assert 'You can buy at most 3 of "Mug" in one order.' in page
    assert 'max="3"' in client.get(f"/products/{mug.slug}").get_data(as_text=True)
    add(client, mug.id, 3)
    page = unescape(add(client, mug.id, 1).get_data(as_text=True))
    assert 'You already have 3 of "Mug" in your cart, the most one order may take.' in page
    page = unescape(client.post(f"/cart/{mug.id}/update", data={"quantity": 5},
                                follow_redirects=True).get_data(as_text=True))
    assert 'You can buy at most 3 of "Mug" in one order.' in page
    assert cart_of(client) == {str(mug.id): 3}


def test_a_cart_from_before_a_lower_limit_cannot_check_out(app, client, make_product):
    mug = make_product(name="Mug", stock=40)
    add(client, mug.id, 4)
    app.config["MAX_PER_PRODUCT"] = 3  # one under what the cart holds
    page = client.get("/cart/").get_data(as_text=True)
    assert "At most 3 in one order; lower the quantity." in page
    checkout = client.post("/checkout", data={"email": "ann@example.com"},
                           follow_redirects=True)
    assert "can't be bought as they are" in unescape(checkout.get_data(as_text=True))
    assert mug.stock == 40
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 0


@pytest.mark.parametrize(("stock", "limit", "told"), [
    (3, 20, 'You already have 5 of "Mug" in your cart, more than the 3 we have; lower that'
            " quantity first."),
    (10, 2, 'You already have 5 of "Mug" in your cart, more than the 2 one order may take;'
            " lower that quantity first."),
])
def test_adding_to_a_line_already_over_what_can_be_bought_says_so(
        app, client, make_product, stock, limit, told):
    mug = make_product(name="Mug", stock=5)
    add(client, mug.id, 5)
    mug.stock = stock  # sold elsewhere meanwhile, or the limit lowered
    db.session.commit()
    app.config["MAX_PER_PRODUCT"] = limit

    page = unescape(add(client, mug.id, 1).get_data(as_text=True))

    assert told in page
    assert cart_of(client) == {str(mug.id): 5}


def test_quantity_cannot_exceed_stock(client, make_product):
    mug = make_product(name="Mug", stock=3)
    page = unescape(add(client, mug.id, 4).get_data(as_text=True))
    assert 'Only 3 of "Mug" are left.' in page
    add(client, mug.id, 1)
    page = unescape(add(client, mug.id, 3).get_data(as_text=True))  # 1 + 3 > 3
    assert 'You already have 1 of "Mug" in your cart; you can add up to 2 more.' in page
    add(client, mug.id, 1)
    page = unescape(add(client, mug.id, 2).get_data(as_text=True))  # 2 + 2 > 3
    assert 'You already have 2 of "Mug" in your cart; you can add 1 more.' in page
    add(client, mug.id, 1)
    page = unescape(add(client, mug.id, 1).get_data(as_text=True))
    assert 'You already have 3 of "Mug" in your cart, all we have.' in page
    assert cart_of(client) == {str(mug.id): 3}


@pytest.mark.parametrize("product_id", ["999999", "x", "-1", "1 OR 1=1", ""])
def test_unknown_product_ids_are_refused(client, make_product, product_id):
    make_product()
    page = add(client, product_id).get_data(as_text=True)
    assert "That product is not available." in page
    assert cart_of(client) == {}


def test_inactive_product_cannot_be_added(client, make_product):
    gone = make_product(active=False)
    assert "not available" in add(client, gone.id).get_data(as_text=True)
    assert cart_of(client) == {}


def test_update_and_remove(client, make_product):
    mug = make_product(name="Mug", price_minor=1000, stock=5)
    add(client, mug.id, 1)
    page = client.post(f"/cart/{mug.id}/update", data={"quantity": 3}, follow_redirects=True)
    assert "$30.00" in page.get_data(as_text=True)
    page = client.post(f"/cart/{mug.id}/update", data={"quantity": 9}, follow_redirects=True)
    assert 'Only 5 of "Mug" are left.' in unescape(page.get_data(as_text=True))
    assert cart_of(client) == {str(mug.id): 3}
    page = client.post(f"/cart/{mug.id}/remove", follow_redirects=True)
    assert "Your cart is empty" in page.get_data(as_text=True)


def test_a_refused_update_is_told_beside_its_line_with_what_was_typed(client, make_product):
    mug = make_product(name="Mug", stock=5)
    add(client, mug.id, 1)
    refused = client.post(f"/cart/{mug.id}/update", data={"quantity": 9})
    assert refused.status_code == 400
    html = unescape(refused.get_data(as_text=True))
    assert "<title>Error: Cart" in html
    note = re.search(r'<p class="[^"]*" id="([^"]+)">Only 5 of "Mug" are left.</p>', html)
    assert note, "the message is not beside the line"
    quantity = re.search(rf'<input id="qty-{mug.id}"[^>]*>', html).group(0)
    assert 'value="9"' in quantity and f'aria-describedby="{note.group(1)}"' in quantity
    assert 'role="alert"' not in html  # said once, where it applies
    assert cart_of(client) == {str(mug.id): 1}


def test_update_of_a_product_not_in_the_cart_changes_nothing(client, make_product):
    mug, towel = make_product(), make_product()
    add(client, mug.id, 1)
    page = client.post(f"/cart/{towel.id}/update", data={"quantity": 2}, follow_redirects=True)
    assert "not in your cart" in page.get_data(as_text=True)
    page = client.post(f"/cart/{towel.id}/remove", follow_redirects=True)
    assert "not in your cart" in page.get_data(as_text=True)
    assert cart_of(client) == {str(mug.id): 1}


def test_items_that_went_inactive_or_out_of_stock_are_flagged_not_dropped(client, make_product):
    mug = make_product(name="Mug", price_minor=1000, stock=5)
    lamp = make_product(name="Lamp", price_minor=5000, stock=5)
    add(client, mug.id, 2)
    add(client, lamp.id, 1)
    mug.stock = 0
    lamp.active = False
    db.session.commit()
    page = client.get("/cart/").get_data(as_text=True)
    assert "Mug" in page and "Out of stock." in page
    assert "Lamp" in page and "No longer available." in page
    assert "To check out, remove the items marked above." in page
    assert cart_of(client) == {str(mug.id): 2, str(lamp.id): 1}


def test_the_subtotal_counts_only_what_can_be_bought(client, make_product):
    mug = make_product(name="Mug", price_minor=1000, stock=5)
    lamp = make_product(name="Lamp", price_minor=5000, stock=5)
    add(client, mug.id, 2)
    add(client, lamp.id, 1)
    lamp.stock = 0  # sold out since
    db.session.commit()

    page = client.get("/cart/").get_data(as_text=True)

    assert "Out of stock." in page
    subtotal = page.split('data-testid="subtotal">')[1].split("</td>")[0]
    assert re.sub(r"<[^>]+>", "", subtotal) == "$20.00"  # not $70.00


def test_a_product_priced_in_another_currency_is_not_sold(app, client, make_product):
    yen = make_product(name="Teapot", price_minor=1999, currency="jpy")  # from before a switch
    assert "Teapot: Not sold in this shop's currency." in unescape(
        add(client, yen.id).get_data(as_text=True))
    assert cart_of(client) == {}

    mug = make_product(name="Mug", price_minor=1999)
    add(client, mug.id)
    app.config["SHOP_CURRENCY"] = "eur"  # the shop changed currency with the mug in a cart
    page = unescape(client.get("/cart/").get_data(as_text=True))
    assert "Not sold in this shop's currency." in page
    checkout = client.post("/checkout", data={"email": "ann@example.com"},
                           follow_redirects=True)
    assert "can't be bought as they are" in unescape(checkout.get_data(as_text=True))


def test_cart_count_in_navigation(client, make_product):
    mug = make_product()
    add(client, mug.id, 3)
    assert b"(3 items)</span></a>" in client.get("/").data


def test_a_refused_add_goes_back_only_to_a_page_of_this_shop(client, make_product):
    mug = make_product(stock=0)  # no quantity box to show the reason beside
    refused = client.post("/cart/add", data={"product_id": mug.id, "quantity": 2},
                          headers={"Referer": "http://localhost//evil.example/x"})
    assert refused.headers["Location"] == "/"
    back = client.post("/cart/add", data={"product_id": mug.id, "quantity": 2},
                       headers={"Referer": f"http://localhost/products/{mug.slug}"})
    assert back.headers["Location"] == f"/products/{mug.slug}"


@pytest.mark.parametrize(("email", "message"), [
    ("", "Enter your email address."),
    ("not-an-email", "Enter an email address like name@example.com."),
])
def test_a_bad_checkout_email_is_shown_on_its_field_and_kept(client, make_product, email,
                                                             message):
    mug = make_product(stock=5)
    add(client, mug.id, 1)
    response = client.post("/checkout", data={"email": email})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'<input[^>]*aria-describedby="email-error"[^>]*aria-invalid="true"', html) \
        or re.search(r'<input[^>]*aria-invalid="true"[^>]*aria-describedby="email-error"', html)
    assert f'<p class="field-error" id="email-error">{message}</p>' in html
    assert f'value="{email}"' in html or not email
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 0


def text_of(page) -> str:
    """The page's words, as a person reads them."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", page.get_data(as_text=True))).split())


def check_out(client, email="ann@example.com") -> str:
    """Check the cart out and leave the pay page; the order's number."""
    placed = client.post("/checkout", data={"email": email})
    return placed.headers["Location"].split("/")[2]


def test_a_guest_who_left_the_pay_page_finds_their_order_in_the_cart(app, client,
                                                                    make_product):
    record_player = make_product(name="Record player", price_minor=2400, stock=1)
    add(client, record_player.id)
    number = check_out(client)

    page = client.get("/cart/")
    assert "Your cart is empty." in text_of(page)
    assert (f"You have an order waiting for payment: Order {number}, $24.00 — Pay for it"
            in text_of(page))
    assert f'href="/orders/{number}/pay">Pay for it</a>' in page.get_data(as_text=True)
    assert "waiting for payment" not in text_of(app.test_client().get("/cart/"))  # not theirs
    client.get("/")  # the catalog's cache is filled
    for other_page in ("/", f"/products/{record_player.slug}"):  # only the cart looks
        with statements() as read, statements(None) as written:
            client.get(other_page)
        assert not [statement for statement in read + written if '"order"' in statement]

    order = db.session.execute(db.select(Order)).scalar_one()
    order.status = "paid"  # paid after all, from the bank's page
    db.session.commit()
    assert "waiting for payment" not in text_of(client.get("/cart/"))


def test_a_customer_sees_their_unpaid_orders_from_any_browser(app, client, auth, make_user,
                                                              make_product):
    make_user(email="ann@example.com", password="right-password")
    mug, cup = make_product(name="Mug", price_minor=1400), make_product(name="Cup")
    auth.login("ann@example.com", "right-password")
    add(client, mug.id)
    first = check_out(client)
    add(client, cup.id)
    second = check_out(client)

    laptop = app.test_client()
    laptop.post("/auth/login", data={"email": "ann@example.com", "password": "right-password"})
    page = text_of(laptop.get("/cart/"))
    assert "You have orders waiting for payment:" in page
    assert f"Order {second}, $15.00 — Pay for it (order {second})" in page
    assert f"Order {first}, $14.00 — Pay for it (order {first})" in page
    assert page.index(second) < page.index(first)  # newest first
    assert laptop.get(f"/orders/{second}/pay").status_code == 200
