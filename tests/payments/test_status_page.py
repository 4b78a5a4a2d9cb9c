"""The order page tells a customer whose order is not paid why, and what they can do."""

from shop.extensions import db
from shop.models import Payment
from shop.services import cancellation
from tests.payments.test_stock_and_expiry import expire_now
from tests.payments_support import reload, settle_webhooks


def order_page(shopper, order) -> str:
    response = shopper.client.get(f"/orders/{order.number}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_order_never_paid_says_so_and_links_to_paying(shopper, make_product):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    page = order_page(shopper, order)
    assert "We haven't received a payment for this order." in page
    assert 'role="alert"' not in page
    assert f'href="/orders/{order.number}/pay"' in page


def test_a_payment_that_failed_after_processing_is_explained_on_the_order_page(
    shopper, make_product, sandbox, webhooks_on
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, _, intent = shopper.pay(order, "pm_card_sandbox_processing")
    assert "Your payment is processing" in order_page(shopper, order)
    sandbox.control.settle(intent["intent_id"], "failed")
    settle_webhooks(sandbox)  # the page reloads itself once the status changes

    page = order_page(shopper, order)
    failure = db.session.execute(
        db.select(Payment.failure_message).where(Payment.order_id == order.id)
    ).scalar_one()
    assert failure and f"Your last payment didn't go through: {failure}" in page
    assert f'href="/orders/{order.number}/pay"' in page


def test_a_declined_card_then_a_good_one_leaves_no_failure_on_the_paid_order(
    shopper, make_product
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    shopper.pay(order, "pm_card_visa_chargeDeclined")
    assert "Your last payment didn't go through: Your card was declined." in order_page(
        shopper, order)
    shopper.pay(order, "pm_card_visa")
    page = order_page(shopper, order)
    assert "Thank you! Your order is paid." in page and "go through" not in page


def test_an_order_whose_reservation_ran_out_says_so(shopper, make_product, runner):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    expire_now(order)
    assert runner.invoke(args=["orders", "expire"]).exit_code == 0

    page = order_page(shopper, order)
    held_until = reload(order).reserved_until.isoformat()
    assert f'We held its items for you until <time datetime="{held_until}">' in page
    assert " UTC</time>, and no payment had arrived" in page
    assert "Nothing was charged, and the items went back on the shelf." in page
    assert 'href="/">Back to the shop</a>' in page


def test_an_order_the_shop_cancelled_says_who_did(shopper, make_product):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    cancellation.cancel_order(order, actor="admin@example.com")
    db.session.commit()

    page = order_page(shopper, order)
    assert "The shop cancelled it." in page
    assert "no payment had arrived" not in page


def test_only_the_latest_payment_says_why_an_order_is_not_paid(shopper, make_product, sandbox):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, error, declined = shopper.pay(order, "pm_card_visa_chargeDeclined")
    assert error is not None
    # Stripe no longer knows that payment (other keys): the next click starts a new one.
    sandbox.control.fault(f"/v1/payment_intents/{declined['intent_id']}", mode="not_found",
                          count=1000)
    started = shopper.start(order).get_json()
    assert started["intent_id"] != declined["intent_id"]

    page = order_page(shopper, order)
    assert "We haven't received a payment for this order." in page
    assert "declined" not in page and 'role="alert"' not in page
