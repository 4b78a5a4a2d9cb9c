"""Cards are named by their brand as people write it, wherever the shop names one."""

from shop.extensions import db
from shop.models import OrderEvent


def a_unionpay_card(browser_stripe) -> str:
    """A UnionPay card typed into the PaymentElement, as Stripe.js sends it."""
    return browser_stripe.v1.payment_methods.create({
        "type": "card",
        "card": {"number": "6200000000000005", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
    }).id


def test_saved_cards_and_the_timeline_name_brands_as_people_write_them(
    customer, client, shopper, make_product, browser_stripe
):
    customer()
    for card in ("pm_card_amex", a_unionpay_card(browser_stripe)):
        order = shopper.checkout((make_product(price_minor=2500), 1),
                                 email="card-owner@example.com")
        response, error, _ = shopper.pay(order, card, save_card=True)
        assert error is None and response.get_json()["status"] == "paid"

    page = client.get("/account/cards").get_data(as_text=True)
    assert "American Express •••• 0005" in page and "UnionPay •••• 0005" in page
    assert "American_Express" not in page and "Union Pay" not in page
    paid = db.session.execute(
        db.select(OrderEvent.message).where(OrderEvent.kind == "status_paid")
        .order_by(OrderEvent.id)
    ).scalars().all()
    assert [message.split(" (")[0] for message in paid] == [
        "Paid with American Express •••• 0005", "Paid with UnionPay •••• 0005"]
