"""The cart page's note of orders waiting for payment: the newest few, and no query at
all for a visitor who never checked out."""

import re
from html import unescape

from tests.db_support import statements
from tests.payments_support import Shopper


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True))).split())


def test_the_cart_mentions_only_the_five_newest_orders_waiting_for_payment(
    client, browser_stripe, make_product
):
    shopper = Shopper(client, browser_stripe)
    mug = make_product(stock=50)
    placed = [shopper.checkout((mug, 1)).number for _ in range(6)]

    page = text_of(client.get("/cart/"))

    assert "You have orders waiting for payment:" in page
    assert [number for number in placed if f"Order {number}," in page] == placed[1:]


def test_the_cart_of_a_visitor_who_never_checked_out_reads_no_orders(client, make_product):
    client.post("/cart/add", data={"product_id": make_product().id, "quantity": 1})
    client.get("/cart/")  # the catalog's cache is filled

    with statements() as read, statements(None) as written:
        page = client.get("/cart/")

    assert page.status_code == 200 and "waiting for payment" not in text_of(page)
    assert not [statement for statement in read + written if '"order"' in statement]
