"""What a browser remembers of the guest orders it placed or opened, and how long a
joined order's link still opens it."""

from datetime import timedelta

from shop.extensions import db
from shop.models import utcnow
from tests.payments.test_order_access import access_token_of
from tests.payments_support import Shopper, reload


def test_a_guest_keeps_their_twenty_newest_orders_in_the_same_browser(
    client, browser_stripe, make_product
):
    shopper = Shopper(client, browser_stripe)
    mug = make_product(stock=100)
    placed = [shopper.checkout((mug, 1)) for _ in range(21)]

    opened = [client.get(f"/orders/{order.number}").status_code for order in placed]

    assert opened == [404] + [200] * 20  # the oldest made room for the newest


def test_opening_one_link_again_and_again_keeps_the_other_orders_it_opened(
    app, client, browser_stripe, make_product
):
    with app.test_client() as guests_browser:
        shopper = Shopper(guests_browser, browser_stripe)
        first = shopper.checkout((make_product(), 1))
        second = shopper.checkout((make_product(), 1))
    links = {order.number: f"/orders/{order.number}/access/{access_token_of(app, order)}"
             for order in (first, second)}

    assert client.get(links[first.number]).status_code == 302
    for _ in range(20):  # the mail with the second link, opened day after day
        assert client.get(links[second.number]).status_code == 302

    assert client.get(f"/orders/{first.number}").status_code == 200
    assert client.get(f"/orders/{second.number}").status_code == 200


def test_a_joined_orders_link_opens_nothing_two_hours_after_its_hold_ended(
    app, client, browser_stripe, make_product
):
    order = Shopper(client, browser_stripe).checkout((make_product(), 1), email="ann@example.com")
    registered = client.post("/auth/register", data={
        "email": "ann@example.com", "password": "anns-password", "confirm": "anns-password"})
    assert registered.status_code == 302 and reload(order).user_id is not None
    link = f"/orders/{order.number}/access/{access_token_of(app, order)}"
    joined = reload(order)
    joined.reserved_until = utcnow() - timedelta(hours=2)  # no bank sends anyone back now
    db.session.commit()

    with app.test_client() as shared_computer:
        assert shared_computer.get(link).status_code == 404
        assert shared_computer.get(f"/orders/{order.number}").status_code == 404
