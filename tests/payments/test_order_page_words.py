"""The order page: why a payment failed even when Stripe gave no words for it, and the
keep-this-link note only for guests."""

from shop.extensions import db
from shop.models import Payment
from tests.payments_support import Shopper


def test_a_failure_stripe_gave_no_message_for_still_says_the_payment_did_not_go_through(
    shopper, make_product
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, error, _ = shopper.pay(order, "pm_card_visa_chargeDeclined")
    assert error is not None
    # Stripe's last_payment_error carries a code; its message is optional.
    payment = db.session.execute(
        db.select(Payment).where(Payment.order_id == order.id)).scalar_one()
    assert payment.failure_code
    payment.failure_message = None
    db.session.commit()

    page = shopper.client.get(f"/orders/{order.number}").get_data(as_text=True)

    assert ("Your last payment didn't go through: Your payment did not go through."
            " Please try again.") in page
    assert "We haven't received a payment for this order." not in page


def test_a_signed_in_customers_order_page_offers_no_link_to_share(
    app, client, auth, make_user, make_product, browser_stripe
):
    make_user(email="ann@example.com", password="anns-password")
    auth.login("ann@example.com", "anns-password")
    order = Shopper(client, browser_stripe).checkout((make_product(), 1), email="ann@example.com")

    page = client.get(f"/orders/{order.number}").get_data(as_text=True)

    assert "Not paid yet" in page
    assert "Keep this link to come back to your order" not in page
    assert "/access/" not in page


def test_a_guests_order_page_offers_the_link_to_come_back(shopper, make_product):
    order = shopper.checkout((make_product(), 1))

    page = shopper.client.get(f"/orders/{order.number}").get_data(as_text=True)

    assert "Keep this link to come back to your order" in page
    assert f"/orders/{order.number}/access/" in page
