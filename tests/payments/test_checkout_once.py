"""A checkout form sent twice (a double click, Enter pressed twice, a retry after a
lost answer) places one order, whichever of its two requests gets there first."""

import re
import threading

import pytest

from shop.extensions import db
from shop.models import Order, Product

PAY_PAGE = re.compile(r"/orders/([A-Z0-9]+)/pay$")


def checkout_form(client) -> dict:
    """The cart page's checkout form, as the browser would send it."""
    page = client.get("/cart/").get_data(as_text=True)
    hidden = dict(re.findall(r'name="(cart_version|checkout_key)" type="hidden" value="([^"]*)"',
                             page))
    return {**hidden, "email": "twice@example.com"}


def orders_placed() -> list[Order]:
    db.session.expire_all()
    return db.session.execute(db.select(Order)).scalars().all()


def stock_of(product) -> int:
    db.session.expire_all()
    return db.session.get(Product, product.id).stock


def test_the_last_item_checked_out_twice_is_one_order_that_both_answers_lead_to(
    client, make_product
):
    lamp = make_product(name="Lamp", stock=1)
    client.post("/cart/add", data={"product_id": lamp.id, "quantity": 1})
    form = checkout_form(client)
    cookie = client.get_cookie("session").value  # what the browser sends both times

    first = client.post("/checkout", data=form)
    # The second press left before the first's answer (and its emptied cart) arrived.
    client.set_cookie("session", cookie)
    second = client.post("/checkout", data=form)

    assert first.status_code == second.status_code == 302
    assert PAY_PAGE.search(second.headers["Location"])
    assert second.headers["Location"] == first.headers["Location"]
    [order] = orders_placed()
    assert order.number == PAY_PAGE.search(first.headers["Location"]).group(1)
    assert stock_of(lamp) == 0  # held once, by that order
    # The browser kept the second answer's cookie: it can still open and pay its order.
    assert client.get(second.headers["Location"]).status_code == 200


def test_a_checkout_sent_twice_at_the_same_moment_places_one_order(app, make_product):
    mug = make_product(name="Mug", stock=5)
    first_tab = app.test_client()
    first_tab.post("/cart/add", data={"product_id": mug.id, "quantity": 2})
    form = checkout_form(first_tab)
    second_tab = app.test_client()
    second_tab.set_cookie("session", first_tab.get_cookie("session").value)
    barrier = threading.Barrier(2)
    answers = []

    def press(client):
        barrier.wait()
        answers.append(client.post("/checkout", data=form).headers.get("Location", ""))

    presses = [threading.Thread(target=press, args=(c,)) for c in (first_tab, second_tab)]
    for thread in presses:
        thread.start()
    for thread in presses:
        thread.join()

    [order] = orders_placed()
    assert [PAY_PAGE.search(location).group(1) for location in answers] == [order.number] * 2
    assert stock_of(mug) == 3


def test_each_visit_to_the_cart_is_a_new_checkout(client, make_product):
    mug = make_product(name="Mug", stock=5)
    client.post("/cart/add", data={"product_id": mug.id, "quantity": 1})
    client.post("/checkout", data=checkout_form(client))
    client.post("/cart/add", data={"product_id": mug.id, "quantity": 1})
    client.post("/checkout", data=checkout_form(client))

    assert len(orders_placed()) == 2
    assert stock_of(mug) == 3


def test_a_form_sent_again_after_signing_in_places_nothing_and_says_why(
    client, auth, make_user, make_product
):
    make_user(email="shopper@example.com", password="password123")
    lamp = make_product(name="Lamp", stock=2)
    client.post("/cart/add", data={"product_id": lamp.id, "quantity": 1})
    form = checkout_form(client)
    cookie = client.get_cookie("session").value
    client.post("/checkout", data=form)  # placed as a guest
    client.set_cookie("session", cookie)
    auth.login("shopper@example.com", "password123")

    again = client.post("/checkout", data=form, follow_redirects=True)

    assert "already sent from another account" in again.get_data(as_text=True)
    [order] = orders_placed()
    assert order.user_id is None
    assert stock_of(lamp) == 1


@pytest.mark.parametrize("first_answer", ["arrived", "lost"])
def test_a_form_sent_again_after_the_cart_changed_keeps_only_what_was_added_since(
    client, make_product, first_answer
):
    lamp = make_product(name="Lamp", stock=5)
    teapot = make_product(name="Teapot", stock=5)
    client.post("/cart/add", data={"product_id": lamp.id, "quantity": 2})
    form = checkout_form(client)
    before = client.get_cookie("session").value
    first = client.post("/checkout", data=form)
    if first_answer == "lost":  # and with it the emptied cart: the lamps are still in it
        client.set_cookie("session", before)
    client.post("/cart/add", data={"product_id": teapot.id, "quantity": 1})  # another tab
    client.post("/cart/add", data={"product_id": lamp.id, "quantity": 1})  # one lamp more

    again = client.post("/checkout", data=form, follow_redirects=True)  # a retry

    assert again.request.path == first.headers["Location"]  # the order it placed
    assert ("This form placed its order earlier; what you added to your cart since is still"
            " in it." in again.get_data(as_text=True))
    [order] = orders_placed()
    assert [(line.product_name, line.quantity) for line in order.lines] == [("Lamp", 2)]
    assert cart_lines(client) == [("Lamp", "1"), ("Teapot", "1")]  # what was added since
    assert (stock_of(lamp), stock_of(teapot)) == (3, 5)


def cart_lines(client) -> list[tuple[str, str]]:
    """The cart page's lines: each product's name and the quantity in its box."""
    page = client.get("/cart/").get_data(as_text=True)
    rows = re.findall(r'<th scope="row">([^<]+)<.*?name="quantity"[^>]*value="(\d+)"', page,
                      re.DOTALL)
    return sorted(rows)


def test_a_checkout_empties_the_cart_and_says_nothing_of_items_left_behind(client, make_product):
    mug = make_product(name="Mug", stock=5)
    lamp = make_product(name="Lamp", stock=5)
    client.post("/cart/add", data={"product_id": mug.id, "quantity": 2})
    client.post("/cart/add", data={"product_id": lamp.id, "quantity": 1})

    placed = client.post("/checkout", data=checkout_form(client))

    assert PAY_PAGE.search(placed.headers["Location"])
    pay_page = client.get(placed.headers["Location"]).get_data(as_text=True)
    assert "still in it" not in pay_page
    cart = client.get("/cart/").get_data(as_text=True)
    assert "Mug" not in cart and "Lamp" not in cart
    assert stock_of(mug) == 3 and stock_of(lamp) == 4
