"""The cart page's note of orders waiting for payment: the newest few this browser may
still open, and no query at all for a visitor who never checked out."""

import re
from datetime import timedelta
from html import unescape

from shop.checkout.access import RETURN_GRACE
from shop.extensions import db
from shop.models import Order, utcnow
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


def test_orders_this_browser_may_no_longer_open_leave_room_for_one_it_may(
    client, browser_stripe, make_product, make_user
):
    shopper = Shopper(client, browser_stripe)
    mug = make_product(stock=50)
    mine = shopper.checkout((mug, 1)).number
    # Five newer ones joined an account since, and their hold ended long ago (the expiry
    # cron has not run): this browser, signed in to no account, may not open them.
    later = [shopper.checkout((mug, 1)).number for _ in range(5)]
    owner = make_user(email="someone@example.com")
    db.session.execute(db.update(Order).where(Order.number.in_(later)).values(
        user_id=owner.id, reserved_until=utcnow() - RETURN_GRACE - timedelta(minutes=5)))
    db.session.commit()

    page = text_of(client.get("/cart/"))

    assert f"waiting for payment: Order {mine}," in page
    assert not [number for number in later if number in page]

