"""Paying an order through the pay page's calls, the real SDK and the sandbox."""

import json
import threading
from datetime import timedelta

import pytest

from shop.extensions import db
from shop.models import OrderEvent, Payment, Product, utcnow
from shop.services import confirmations, payments, webhooks
from tests.payments.test_webhooks import intent_event, sign
from tests.payments_support import reload, settle_webhooks


def paid_entries(order) -> int:
    return db.session.execute(
        db.select(db.func.count(OrderEvent.id)).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == "status_paid"
        )
    ).scalar_one()


def test_checkout_makes_a_pending_order_with_database_prices(shopper, make_product):
    mug = make_product(name="Mug", price_minor=1400, stock=5)
    order = shopper.checkout((mug, 2), email="Ann@Example.com")
    assert order.status == "pending"
    assert order.total_minor == 2800 and order.email == "ann@example.com"
    assert [(line.product_name, line.unit_price_minor, line.quantity) for line in order.lines] == [
        ("Mug", 1400, 2)
    ]
    assert db.session.get(Product, mug.id).stock == 3  # reserved


def test_pay_with_4242_marks_the_order_paid_once(shopper, make_product, stripe_api):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    response, error, intent = shopper.pay(order, "pm_card_visa")
    assert error is None
    assert response.get_json()["status"] == "paid"
    order = reload(order)
    assert order.status == "paid" and order.paid_at is not None
    payment = db.session.execute(db.select(Payment)).scalar_one()
    assert payment.status == "succeeded" and payment.card_last4 == "4242"
    assert payment.card_brand == "visa" and payment.charge_id.startswith("ch_")
    at_stripe = stripe_api.v1.payment_intents.retrieve(intent["intent_id"])
    assert at_stripe["amount"] == 2500 and at_stripe["metadata"]["order_id"] == str(order.id)
    # Reporting the same success again changes nothing.
    assert shopper.report(order, intent["intent_id"]).get_json()["status"] == "paid"
    assert paid_entries(order) == 1
    page = shopper.client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Thank you" in page and "Paid" in page
    # A pay page left open in another tab sends the customer to the paid order.
    again = shopper.start(order)
    assert again.status_code == 409
    assert again.get_json() == {"error": "This order is paid; there is nothing left to pay.",
                                "redirect": f"/orders/{order.number}"}
    assert len(stripe_api.v1.payment_intents.list({"limit": 10})["data"]) == 1


@pytest.mark.parametrize(
    ("payment_method", "message", "code"),
    [
        ("pm_card_visa_chargeDeclined", "Your card was declined.", "generic_decline"),
        (
            "pm_card_visa_chargeDeclinedInsufficientFunds",
            "Your card has insufficient funds.",
            "insufficient_funds",
        ),
    ],
)
def test_decline_keeps_the_order_pending_then_another_card_pays(
    shopper, make_product, payment_method, message, code
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    response, error, first = shopper.pay(order, payment_method)
    assert error is not None and error.user_message == message
    assert response.get_json()["status"] == "pending"
    order = reload(order)
    assert order.status == "pending"
    failure = db.session.execute(
        db.select(OrderEvent).where(OrderEvent.kind == "payment_failed")
    ).scalar_one()
    assert code in failure.message and message in failure.message
    page = shopper.client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Not paid yet" in page and "Thank you" not in page

    response, error, second = shopper.pay(order, "pm_card_visa")
    assert error is None and second["intent_id"] == first["intent_id"]  # one intent per order
    assert reload(order).status == "paid"
    assert db.session.execute(db.select(db.func.count(Payment.id))).scalar_one() == 1


def test_3ds_complete_pays_and_fail_leaves_pending(shopper, make_product, sandbox):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    confirmed, error = shopper.confirm_at_stripe(intent, "pm_card_authenticationRequiredOnSetup")
    assert error is None and confirmed["status"] == "requires_action"
    assert shopper.report(order, intent["intent_id"]).get_json()["status"] == "pending"

    sandbox.control.authenticate(intent["intent_id"], "fail")
    assert shopper.report(order, intent["intent_id"]).get_json()["status"] == "pending"
    failure = db.session.execute(
        db.select(OrderEvent).where(OrderEvent.kind == "payment_failed")
    ).scalar_one()
    assert "authentication" in failure.message

    intent = shopper.start(order).get_json()
    confirmed, error = shopper.confirm_at_stripe(intent, "pm_card_authenticationRequired")
    assert confirmed["status"] == "requires_action"
    sandbox.control.authenticate(intent["intent_id"], "complete")
    # The customer comes back through the return URL, whose query string is not trusted.
    back = shopper.client.get(
        f"/orders/{order.number}/return?payment_intent=pi_forged&redirect_status=succeeded"
    )
    assert back.status_code == 302
    assert reload(order).status == "paid"


def test_return_page_does_not_trust_the_query_string(shopper, make_product):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    shopper.start(order)
    shopper.client.get(f"/orders/{order.number}/return?redirect_status=succeeded")
    assert reload(order).status == "pending"


def test_a_return_with_a_payment_changed_at_stripe_counts_nothing(shopper, make_product,
                                                                   stripe_api):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    stripe_api.v1.payment_intents.update(intent["intent_id"], {"amount": 100})  # not $25.00
    shopper.confirm_at_stripe(intent, "pm_card_visa")  # $1.00 taken

    back = shopper.client.get(f"/orders/{order.number}/return?payment_intent="
                              f"{intent['intent_id']}")

    assert back.status_code == 302 and back.headers["Location"].endswith(
        f"/orders/{order.number}")
    assert reload(order).status == "pending"


def test_async_payment_processing_then_paid_by_webhook_alone(
    shopper, make_product, sandbox, webhooks_on
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    response, error, intent = shopper.pay(order, "pm_card_sandbox_processing")
    assert error is None and response.get_json()["status"] == "processing"
    page = shopper.client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "processing" in page and "Thank you" not in page
    sandbox.control.settle(intent["intent_id"], "succeeded")
    settle_webhooks(sandbox)
    assert reload(order).status == "paid"


def test_async_payment_that_fails_returns_to_pending(shopper, make_product, sandbox, webhooks_on):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, _, intent = shopper.pay(order, "pm_card_sandbox_processing")
    sandbox.control.settle(intent["intent_id"], "failed")
    settle_webhooks(sandbox)
    assert reload(order).status == "pending"


def test_an_async_payment_that_fails_keeps_the_stock_until_the_order_ends(
    shopper, make_product, sandbox, webhooks_on, runner
):
    mug = make_product(stock=3)
    order = shopper.checkout((mug, 2))
    response, _, intent = shopper.pay(order, "pm_card_sandbox_processing")
    assert response.get_json()["status"] == "processing"
    sandbox.control.settle(intent["intent_id"], "failed")
    settle_webhooks(sandbox)
    assert reload(order).status == "pending"
    assert db.session.get(Product, mug.id).stock == 1  # still held for another try

    reload(order).reserved_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = runner.invoke(args=["orders", "expire"])

    assert result.exit_code == 0, result.output
    assert reload(order).status == "canceled"
    db.session.expire_all()
    assert db.session.get(Product, mug.id).stock == 3  # given back once, not twice


def test_customer_never_returns_webhook_alone_pays(shopper, make_product, sandbox, webhooks_on):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_visa")  # ...and the tab is closed
    settle_webhooks(sandbox)
    order = reload(order)
    assert order.status == "paid" and paid_entries(order) == 1


@pytest.mark.parametrize("report", ["before", "after"])
def test_confirm_and_webhook_in_either_order_pay_once(
    shopper, make_product, sandbox, webhooks_on, report
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    if report == "after":
        shopper.confirm_at_stripe(intent, "pm_card_visa")
        settle_webhooks(sandbox)
        shopper.report(order, intent["intent_id"])
    else:
        sandbox.control.webhook_behaviour(delay=1)
        shopper.confirm_at_stripe(intent, "pm_card_visa")
        shopper.report(order, intent["intent_id"])
        settle_webhooks(sandbox)
        sandbox.control.webhook_behaviour(delay=0)
    order = reload(order)
    assert order.status == "paid" and paid_entries(order) == 1


def test_a_report_after_the_webhook_settled_the_order_needs_no_answer_from_stripe(
    shopper, make_product, sandbox, webhooks_on
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_visa")
    settle_webhooks(sandbox)
    assert reload(order).status == "paid"
    # Stripe is unreachable now; the intent already succeeded, so the page still hears "paid".
    sandbox.control.fault(
        f"/v1/payment_intents/{intent['intent_id']}", "error", count=5, method="GET"
    )
    response = shopper.report(order, intent["intent_id"])
    assert response.status_code == 200 and response.get_json()["status"] == "paid"
    assert paid_entries(reload(order)) == 1


def test_a_report_racing_the_webhook_answers_what_the_webhook_committed(
    app, shopper, make_product, sandbox
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_visa")
    order = reload(order)
    assert order.status == "pending"  # the report's request has read the order...
    event = intent_event(intent["intent_id"], event_id="evt_race_report")
    body = json.dumps(event).encode()

    def webhook_commits_meanwhile():  # ...when the webhook, in its own request, commits
        with app.app_context():
            assert webhooks.receive(body, sign(body)) == (200, "processed")

    thread = threading.Thread(target=webhook_commits_meanwhile)
    thread.start()
    thread.join()
    reported = confirmations.confirm_from_stripe(order, intent["intent_id"], source="pay page")
    assert reported.status == "paid"


def test_an_older_snapshot_of_a_settled_intent_changes_nothing(
    app, shopper, make_product, sandbox, stripe_api
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_sandbox_processing")
    # What Stripe said while the payment was still in flight...
    in_flight = stripe_api.v1.payment_intents.retrieve(
        intent["intent_id"], params={"expand": ["latest_charge"]}
    ).to_dict()
    assert in_flight["status"] == "processing"
    sandbox.control.settle(intent["intent_id"], "succeeded")
    assert shopper.report(order, intent["intent_id"]).get_json()["status"] == "paid"

    # ...reaching the shop only after the payment succeeded.
    with app.test_request_context():
        payments.sync_payment(in_flight, source="webhook")
        db.session.commit()

    payment = db.session.execute(
        db.select(Payment).where(Payment.intent_id == intent["intent_id"])
    ).scalar_one()
    assert payment.status == "succeeded" and reload(order).status == "paid"


def test_a_report_for_an_unsettled_intent_asks_stripe(shopper, make_product, sandbox):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_visa")  # no webhooks: the shop has not heard
    sandbox.control.fault(
        f"/v1/payment_intents/{intent['intent_id']}", "error", count=5, method="GET"
    )
    response = shopper.report(order, intent["intent_id"])
    assert response.status_code == 503 and reload(order).status == "pending"


def test_amount_and_intent_cannot_be_chosen_by_the_client(shopper, make_product, stripe_api):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    other = shopper.checkout((make_product(price_minor=9900), 1))
    started = shopper.client.post(
        f"/orders/{order.number}/intent", json={"amount": 1, "currency": "jpy"}
    ).get_json()
    intent = stripe_api.v1.payment_intents.retrieve(started["intent_id"])
    assert (intent["amount"], intent["currency"]) == (2500, "usd")
    # Reporting another order's paid intent for this order is refused.
    _, _, paid = shopper.pay(other, "pm_card_visa")
    response = shopper.report(order, paid["intent_id"])
    assert response.status_code == 404
    assert reload(order).status == "pending"


def test_double_click_creates_one_intent(shopper, make_product, stripe_api):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    first = shopper.start(order).get_json()
    second = shopper.start(order).get_json()
    assert first["intent_id"] == second["intent_id"]
    assert len(stripe_api.v1.payment_intents.list()["data"]) == 1


def test_a_click_on_an_order_paid_in_a_tab_whose_report_was_lost_shows_it_paid(
    shopper, make_product
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    started = shopper.start(order).get_json()
    confirmed, _ = shopper.confirm_at_stripe(started, "pm_card_visa")  # the tab closed
    assert confirmed["status"] == "succeeded"

    again = shopper.start(order)  # the customer, unsure, pays from another tab

    assert again.status_code == 409
    assert again.get_json()["redirect"] == f"/orders/{order.number}"
    assert reload(order).status == "paid" and paid_entries(order) == 1  # kept, once
    assert shopper.start(order).status_code == 409  # and nothing more to pay


def test_a_click_after_stripe_lost_the_intent_starts_a_new_one(
    shopper, make_product, sandbox, stripe_api
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    first = shopper.start(order).get_json()
    sandbox.control.reset()  # the Dashboard's "Delete all test data"

    again = shopper.start(order)

    assert again.status_code == 200, again.get_json()
    second = again.get_json()["intent_id"]
    assert second != first["intent_id"]
    assert stripe_api.v1.payment_intents.retrieve(second).status == "requires_payment_method"
    shopper.pay(order, "pm_card_visa")
    order = reload(order)
    assert order.status == "paid"
    assert {p.intent_id: p.status for p in order.payments} == {
        first["intent_id"]: "requires_payment_method", second: "succeeded"}


def test_back_from_a_challenge_left_unfinished_after_a_decline_is_not_told_declined(
    shopper, make_product
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    _, error, intent = shopper.pay(order, "pm_card_visa_chargeDeclined")
    assert error is not None
    confirmed, _ = shopper.confirm_at_stripe(intent, "pm_card_threeDSecure2Required")
    assert confirmed["status"] == "requires_action"  # the bank's page is closed unfinished

    back = shopper.client.get(
        f"/orders/{order.number}/return?payment_intent={intent['intent_id']}")

    assert back.status_code == 302
    assert back.headers["Location"].endswith(f"/orders/{order.number}")
    page = shopper.client.get(back.headers["Location"]).get_data(as_text=True)
    assert "Your card was declined." not in page
    assert reload(order).status == "pending"
