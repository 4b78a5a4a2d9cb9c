"""The order page's title says where the order stands, so a reload with news is heard.

While a payment is processing the page reloads itself once the status changes; a
screen reader announces the new title, which must differ for the news to be heard.
"""

from shop.extensions import db
from shop.services import cancellation
from tests.test_layout import title_of


def order_title(shopper, order) -> str:
    response = shopper.client.get(f"/orders/{order.number}")
    assert response.status_code == 200
    return title_of(response)


def test_the_title_says_whether_the_order_is_paid(shopper, make_product):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    assert order_title(shopper, order) == f"Not paid yet · Order {order.number} · Corner Shop"

    shopper.pay(order, "pm_card_visa")
    assert order_title(shopper, order) == f"Paid · Order {order.number} · Corner Shop"


def test_the_title_says_a_payment_is_processing(shopper, make_product):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    shopper.pay(order, "pm_card_sandbox_processing")
    assert order_title(shopper, order) == (
        f"Payment processing · Order {order.number} · Corner Shop")


def test_the_title_says_the_order_was_cancelled(shopper, make_product):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    cancellation.cancel_order(order, actor="admin@example.com")
    db.session.commit()
    assert order_title(shopper, order) == f"Cancelled · Order {order.number} · Corner Shop"
