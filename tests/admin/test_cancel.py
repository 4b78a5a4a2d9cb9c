"""Cancelling from the order page while a payment may be under way at Stripe."""

import pytest

from shop.extensions import db
from shop.models import Product
from tests.conftest import csrf_token_from
from tests.payments_support import reload


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


def cancel(client, order):
    page = client.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    return client.post(f"/admin/orders/{order.number}/cancel",
                       data={"csrf_token": csrf_token_from(page)}, follow_redirects=True)


def stock_of(product) -> int:
    db.session.expire_all()
    return db.session.get(Product, product.id).stock


def test_cancelling_an_order_shown_processing_stops_its_payment(
    boss, shopper, make_product, stripe_api
):
    mug = make_product(stock=4)
    order = shopper.checkout((mug, 1))
    response, _, intent = shopper.pay(order, "pm_card_sandbox_processing")
    assert response.get_json()["status"] == "processing"

    page = cancel(boss, order).get_data(as_text=True)

    assert f"Order {order.number} is now canceled." in page
    assert stripe_api.v1.payment_intents.retrieve(intent["intent_id"])["status"] == "canceled"
    assert reload(order).status == "canceled" and stock_of(mug) == 4


def test_cancelling_an_order_shown_pending_whose_payment_is_processing_keeps_it(
    boss, shopper, make_product, stripe_api
):
    mug = make_product(stock=4)
    order = shopper.checkout((mug, 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_sandbox_processing")  # the tab closed

    page = cancel(boss, order).get_data(as_text=True)

    assert f"Order {order.number} is now processing." in page  # not what the admin saw
    assert stripe_api.v1.payment_intents.retrieve(intent["intent_id"])["status"] == "processing"
    assert reload(order).status == "processing" and stock_of(mug) == 3
