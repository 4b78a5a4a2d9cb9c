"""Cancelling an order while something else works on it, on PostgreSQL's row locks."""

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
import stripe
from sqlalchemy import create_engine, text

from shop.extensions import db
from shop.models import Order, Product, utcnow
from shop.services import cancellation
from tests.conftest import POSTGRES_URL
from tests.payments_support import eventually, reload

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL"),
]


def someone_waits_for_a_lock(engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )).scalar_one() > 0


def test_expiry_during_a_pay_click_cancels_the_intent_it_was_waiting_for(
    shopper, make_product, sandbox, stripe_api, runner
):
    kettle = make_product(name="Kettle", price_minor=2500, stock=1)
    order = shopper.checkout((kettle, 1))
    order.reserved_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    # Stripe takes its time creating the intent for the customer's click.
    sandbox.control.fault("/v1/payment_intents", "slow", count=1, seconds=1.5, method="POST")
    clicked, same_order = {}, SimpleNamespace(number=order.number)  # no ORM object across threads
    click = threading.Thread(target=lambda: clicked.update(response=shopper.start(same_order)))
    click.start()
    eventually(lambda: sandbox.control.faults() == [], "the click is waiting on Stripe")

    expired = runner.invoke(args=["orders", "expire"])
    click.join()

    assert expired.exit_code == 0, expired.output
    intent = clicked["response"].get_json()
    assert stripe_api.v1.payment_intents.retrieve(intent["intent_id"])["status"] == "canceled"
    with pytest.raises(stripe.InvalidRequestError, match="status of canceled"):
        shopper.confirm_at_stripe(intent, "pm_card_visa")  # nothing to pay for a cancelled order
    assert reload(order).status == "canceled"
    db.session.expire_all()
    assert db.session.get(Product, kettle.id).stock == 1


def test_releasing_stock_and_a_checkout_take_products_in_the_same_order(
    app, shopper, make_product
):
    for _ in range(8):
        make_product()
    first, second = make_product(name="First", stock=5), make_product(name="Second", stock=5)
    # Ids 9 and 10: the cart, keyed by id as text, lists "10" first; so do the order's lines.
    order = shopper.checkout((second, 1), (first, 1))
    assert [line.product_id for line in order.lines] == [second.id, first.id]
    failures = []

    def cancel():
        with app.app_context():
            try:
                cancellation.cancel_order(db.session.get(Order, order.id), actor="admin")
                db.session.commit()
            except Exception as error:  # a deadlock is what this test looks for
                failures.append(error)

    # A checkout of both products has taken the first (as place_order does, in id order).
    engine = create_engine(POSTGRES_URL)
    checkout = engine.connect()
    try:
        checkout.execute(text("UPDATE product SET stock = stock - 1 WHERE id = :id"),
                         {"id": first.id})
        cancelling = threading.Thread(target=cancel)
        cancelling.start()
        eventually(lambda: someone_waits_for_a_lock(engine), "the cancel waits for a product row")
        checkout.execute(text("UPDATE product SET stock = stock - 1 WHERE id = :id"),
                         {"id": second.id})
        checkout.commit()
        cancelling.join()
    finally:
        checkout.close()
        engine.dispose()

    assert failures == []
    assert reload(order).status == "canceled"
    db.session.expire_all()
    # 5 each, less this order's (given back) and the other checkout's.
    assert [db.session.get(Product, p.id).stock for p in (first, second)] == [4, 4]


def test_reconcile_lets_go_of_each_order_before_asking_stripe_about_the_next(
    app, shopper, make_product, sandbox, runner
):
    first, second = (shopper.checkout((make_product(price_minor=2000), 1)) for _ in range(2))
    intents = [shopper.start(order).get_json() for order in (first, second)]
    first_id = first.id
    # Stripe is slow to answer about the second order.
    sandbox.control.fault(f"/v1/payment_intents/{intents[1]['intent_id']}", "slow",
                          count=1, seconds=2, method="GET")
    reconciling = threading.Thread(
        target=lambda: runner.invoke(args=["stripe", "reconcile"]))
    reconciling.start()
    eventually(lambda: sandbox.control.faults() == [], "reconcile asks Stripe about the second")

    engine = create_engine(POSTGRES_URL)
    try:
        assert reconciling.is_alive()  # still waiting on Stripe about the second order
        with engine.connect() as customer:  # the first order's customer clicks Pay
            locked = customer.execute(
                text('SELECT id FROM "order" WHERE id = :id FOR UPDATE NOWAIT'), {"id": first_id}
            ).scalar_one()
            customer.rollback()
    finally:
        engine.dispose()
        reconciling.join()

    assert locked == first_id  # not held by reconcile: no "could not obtain lock"
