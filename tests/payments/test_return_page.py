"""The return URL Stripe sends a customer back to, for an order with more than one attempt."""

from tests.payments_support import reload


def declined_then_lost(shopper, make_product, sandbox):
    """An order whose first attempt was declined, and which Stripe then cannot find
    once (other keys for a while): the next click starts a second attempt."""
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, error, declined = shopper.pay(order, "pm_card_visa_chargeDeclined")
    assert error is not None
    sandbox.control.fault(f"/v1/payment_intents/{declined['intent_id']}", mode="not_found",
                          count=1, method="GET")
    return order, declined


def test_coming_back_from_an_older_declined_attempt_of_a_paid_order_says_nothing_of_it(
    shopper, make_product, sandbox
):
    order, declined = declined_then_lost(shopper, make_product, sandbox)
    response, error, paid = shopper.pay(order, "pm_card_visa")
    assert error is None and response.get_json()["status"] == "paid"
    assert paid["intent_id"] != declined["intent_id"]

    # A bank's page from the declined attempt, left open, sends the customer back.
    back = shopper.client.get(
        f"/orders/{order.number}/return?payment_intent={declined['intent_id']}",
        follow_redirects=True,
    )

    page = back.get_data(as_text=True)
    assert back.request.path == f"/orders/{order.number}"
    assert "Thank you! Your order is paid." in page
    assert "declined" not in page
    assert reload(order).status == "paid"


def test_coming_back_without_the_intent_named_finds_the_latest_attempt(
    shopper, make_product, sandbox
):
    order, declined = declined_then_lost(shopper, make_product, sandbox)
    second = shopper.start(order).get_json()
    assert second["intent_id"] != declined["intent_id"]
    # The bank's page pays the second attempt; its report never reached the shop.
    confirmed, error = shopper.confirm_at_stripe(second, "pm_card_visa")
    assert error is None and confirmed["status"] == "succeeded"

    back = shopper.client.get(f"/orders/{order.number}/return", follow_redirects=True)

    assert back.request.path == f"/orders/{order.number}"
    assert "Thank you! Your order is paid." in back.get_data(as_text=True)
    assert reload(order).status == "paid"


def test_a_failed_bank_check_sends_the_customer_back_to_the_pay_page_saying_why(
    shopper, make_product, sandbox
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    confirmed, error = shopper.confirm_at_stripe(intent, "pm_card_threeDSecure2Required")
    assert error is None and confirmed["status"] == "requires_action"
    sandbox.control.authenticate(intent["intent_id"], "fail")  # on the bank's page

    back = shopper.client.get(f"/orders/{order.number}/return?payment_intent="
                              f"{intent['intent_id']}&redirect_status=failed")

    assert back.status_code == 302 and back.headers["Location"] == f"/orders/{order.number}/pay"
    page = shopper.client.get(back.headers["Location"]).get_data(as_text=True)
    assert ("We are unable to authenticate your payment method. Please choose a different"
            " payment method and try again.") in page
    assert reload(order).status == "pending"
