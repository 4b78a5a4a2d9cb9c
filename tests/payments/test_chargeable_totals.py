"""Stripe's least and most it will charge are checked at checkout (DESIGN.md §3): an order
no card could pay for is never placed, so it never holds stock."""

from html import unescape

import pytest

from shop.extensions import db
from shop.models import Order, Product


@pytest.mark.parametrize(
    ("price_minor", "quantity", "message"),
    [
        (40, 1, "We can't take this order: The amount must be at least $0.50."),
        (50_000_000, 2, "We can't take this order: The amount must be at most $999,999.99."),
    ],
    ids=["under-the-minimum", "over-the-maximum"],
)
def test_a_cart_stripe_would_not_charge_is_refused_at_checkout(
    client, make_product, stripe_api, price_minor, quantity, message
):
    product = make_product(name="Sticker", price_minor=price_minor, stock=5)
    client.post("/cart/add", data={"product_id": product.id, "quantity": quantity})

    response = client.post("/checkout", data={"email": "ann@example.com"},
                           follow_redirects=True)

    page = unescape(response.get_data(as_text=True))
    assert response.request.path == "/cart/"  # back to the cart, which is kept
    assert message in page and "Sticker" in page
    db.session.expire_all()
    assert db.session.execute(db.select(Order)).first() is None
    assert db.session.get(Product, product.id).stock == 5  # nothing reserved
    assert stripe_api.v1.payment_intents.list().data == []


def test_the_smallest_chargeable_cart_is_taken(shopper, make_product):
    order = shopper.checkout((make_product(price_minor=50, stock=5), 1))
    assert (order.status, order.total_minor) == ("pending", 50)
