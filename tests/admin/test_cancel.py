"""Cancelling from the order page while a payment may be under way at Stripe."""

import threading

import pytest

from shop.extensions import db
from shop.models import Product
from tests.conftest import csrf_token_from
from tests.payments_support import eventually, reload


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


def test_an_order_shown_processing_offers_the_cancel_button(boss, shopper, make_product):
    order = shopper.checkout((make_product(stock=4), 1))
    response, _, _ = shopper.pay(order, "pm_card_sandbox_processing")
    assert response.get_json()["status"] == "processing"

    page = boss.get(f"/admin/orders/{order.number}").get_data(as_text=True)

    assert f'action="/admin/orders/{order.number}/cancel"' in page
    assert "Cancel order</button>" in page


def test_a_payment_that_succeeds_as_the_order_is_cancelled_leaves_it_paid(
    boss, shopper, make_product, sandbox, stripe_api
):
    mug = make_product(stock=4)
    order = shopper.checkout((mug, 1))
    intent = shopper.start(order).get_json()
    cancel_path = f"/v1/payment_intents/{intent['intent_id']}/cancel"
    # Stripe holds the shop's cancel a moment, after the shop read the intent as unpaid...
    sandbox.control.fault(cancel_path, mode="slow", seconds=1, method="POST")

    def customer_pays_meanwhile():  # ...and the customer's payment succeeds just then
        eventually(lambda: any(key["path"] == cancel_path and key["in_flight"]
                               for key in sandbox.control.idempotency_keys()),
                   "the shop's cancel reached Stripe")
        shopper.confirm_at_stripe(intent, "pm_card_visa")

    paying = threading.Thread(target=customer_pays_meanwhile)
    paying.start()
    page = cancel(boss, order).get_data(as_text=True)
    paying.join()

    assert f"Order {order.number} is now paid." in page
    assert 'class="flash flash-error"' not in page
    assert stripe_api.v1.payment_intents.retrieve(intent["intent_id"])["status"] == "succeeded"
    assert reload(order).status == "paid" and stock_of(mug) == 3
