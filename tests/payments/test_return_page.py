"""The return URL Stripe sends a customer back to, for an order with more than one attempt."""

from tests.payments_support import reload


def test_coming_back_from_an_older_declined_attempt_of_a_paid_order_says_nothing_of_it(
    shopper, make_product, sandbox
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, error, declined = shopper.pay(order, "pm_card_visa_chargeDeclined")
    assert error is not None
    # Stripe cannot find that attempt once (other keys for a while): the next click
    # starts a new one, which pays.
    sandbox.control.fault(f"/v1/payment_intents/{declined['intent_id']}", mode="not_found",
                          count=1, method="GET")
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
