"""Expiry tells Stripe why it cancels, needs no answer from Stripe about payments it
already knows are over, and leaves alone an order that was paid while it ran."""

from sqlalchemy import create_engine, event, text

from shop.extensions import db
from shop.models import Product
from tests.payments.test_changes_made_at_stripe import order_with_two_intents
from tests.payments.test_stock_and_expiry import expire_now
from tests.payments_support import reload


def stock_of(product) -> int:
    db.session.expire_all()
    return db.session.get(Product, product.id).stock


def test_expiry_tells_stripe_the_payment_was_abandoned(shopper, make_product, runner, stripe_api):
    order = shopper.checkout((make_product(stock=4), 1))
    intent = shopper.start(order).get_json()
    expire_now(order)

    result = runner.invoke(args=["orders", "expire"])

    assert result.exit_code == 0, result.output
    at_stripe = stripe_api.v1.payment_intents.retrieve(intent["intent_id"])
    assert (at_stripe["status"], at_stripe["cancellation_reason"]) == ("canceled", "abandoned")


def test_expiry_needs_no_answer_from_stripe_about_a_payment_cancelled_there(
    shopper, make_product, runner, sandbox, stripe_api, deliver
):
    kettle = make_product(stock=3)
    order, first, second = order_with_two_intents(shopper, sandbox, kettle, 2)
    stripe_api.v1.payment_intents.cancel(first["intent_id"])  # the Dashboard tidies up
    assert deliver("payment_intent.canceled", first["intent_id"]) == (200, "processed")
    assert reload(order).status == "pending"  # still payable with its second intent
    expire_now(order)
    # Stripe cannot show the cancelled payment now; it is over, so nothing needs it.
    sandbox.control.fault(f"/v1/payment_intents/{first['intent_id']}", mode="error",
                          count=5, method="GET")

    result = runner.invoke(args=["orders", "expire"])

    assert result.exit_code == 0, result.output
    assert f"{order.number}: canceled" in result.output
    assert reload(order).status == "canceled" and stock_of(kettle) == 3
    assert stripe_api.v1.payment_intents.retrieve(second["intent_id"])["status"] == "canceled"


def test_expiry_cancels_every_payment_of_an_order_still_open_at_stripe(
    shopper, make_product, runner, sandbox, stripe_api
):
    kettle = make_product(stock=3)
    order, first, second = order_with_two_intents(shopper, sandbox, kettle, 2)
    expire_now(order)

    result = runner.invoke(args=["orders", "expire"])

    assert result.exit_code == 0, result.output
    assert reload(order).status == "canceled" and stock_of(kettle) == 3
    # Neither can take the customer's money for an order that no longer holds its items.
    for intent in (first, second):
        at_stripe = stripe_api.v1.payment_intents.retrieve(intent["intent_id"])
        assert at_stripe["status"] == "canceled", intent["intent_id"]


def test_an_order_paid_while_expiry_runs_stays_paid_and_the_run_goes_on(
    app, shopper, make_product, runner, database_url
):
    mug, cup = make_product(stock=4), make_product(stock=4)
    first = shopper.checkout((mug, 1))
    second = shopper.checkout((cup, 1))
    expire_now(first)
    expire_now(second)
    # The second order's payment lands (a webhook, another server) after expiry listed
    # it as expired and before expiry reaches it.
    elsewhere = create_engine(database_url)
    landed = []

    def pays_the_second_order(conn, cursor, statement, parameters, context, executemany):
        if not landed and statement.lstrip().upper().startswith("UPDATE"):
            landed.append(True)
            with elsewhere.begin() as other:
                other.execute(text('UPDATE "order" SET status = \'paid\' WHERE id = :id'),
                              {"id": second.id})

    event.listen(db.engine, "before_cursor_execute", pays_the_second_order)
    try:
        result = runner.invoke(args=["orders", "expire"])
    finally:
        event.remove(db.engine, "before_cursor_execute", pays_the_second_order)
        elsewhere.dispose()

    assert landed
    assert result.exit_code == 0, result.output
    assert f"{first.number}: canceled" in result.output
    assert f"{second.number}: paid" in result.output
    assert reload(first).status == "canceled" and stock_of(mug) == 4
    assert reload(second).status == "paid" and stock_of(cup) == 3
