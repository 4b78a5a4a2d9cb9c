"""An admin's cancel tells Stripe why, as the Dashboard shows it."""

import pytest

from tests.admin.test_cancel import cancel
from tests.payments_support import reload


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


def test_an_admins_cancel_tells_stripe_the_customer_asked_for_it(
    boss, shopper, make_product, stripe_api
):
    order = shopper.checkout((make_product(stock=4), 1))
    intent = shopper.start(order).get_json()

    page = cancel(boss, order).get_data(as_text=True)

    assert f"Order {order.number} is now canceled." in page
    at_stripe = stripe_api.v1.payment_intents.retrieve(intent["intent_id"])
    assert (at_stripe["status"], at_stripe["cancellation_reason"]) == (
        "canceled", "requested_by_customer")
    assert reload(order).status == "canceled"
