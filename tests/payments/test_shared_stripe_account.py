"""Databases that share one Stripe account (a development shop started afresh, a
staging copy) number their orders and users from 1 again: Stripe must not take one
database's request for another's, and what Stripe says to developers stays out of
customers' sight."""

from shop.extensions import db
from shop.models import Order
from shop.services import customers, stripe_client
from tests.conftest import _wipe


def start_afresh() -> None:
    """The shop's database emptied and numbered from 1 again; Stripe keeps everything."""
    db.session.remove()
    _wipe()


def test_a_shop_started_afresh_takes_payment_for_its_new_first_order(
    shopper, make_product, stripe_api
):
    first = shopper.checkout((make_product(price_minor=1500), 1))
    assert shopper.start(first).status_code == 200
    first_id = first.id
    start_afresh()
    order = shopper.checkout((make_product(price_minor=4200), 1))
    assert order.id == first_id  # the same id, another order

    started = shopper.start(order)

    assert started.status_code == 200, started.get_json()
    intent = stripe_api.v1.payment_intents.retrieve(started.get_json()["intent_id"])
    assert (intent["amount"], intent["metadata"]["order_number"]) == (4200, order.number)


def test_a_shop_started_afresh_makes_its_new_first_user_a_customer(make_user, stripe_api):
    first = make_user(email="ann@example.com")
    customers.ensure_customer(first)
    db.session.commit()
    first_id = first.id
    start_afresh()
    user = make_user(email="bo@example.com")
    assert user.id == first_id

    customer_id = customers.ensure_customer(user)

    assert stripe_api.v1.customers.retrieve(customer_id)["email"] == "bo@example.com"


def test_a_payment_stripe_no_longer_knows_is_told_in_customer_words(
    shopper, make_product, sandbox
):
    order = shopper.checkout((make_product(price_minor=1500), 1))
    intent_id = shopper.start(order).get_json()["intent_id"]
    sandbox.control.reset()  # the intent is gone at Stripe (another account, a reset)

    response = shopper.report(order, intent_id)

    assert response.status_code == 503
    assert response.get_json()["error"] == stripe_client.REFUSED


def test_another_databases_payment_never_pays_or_cancels_this_ones_order(
    shopper, make_product, stripe_api, deliver
):
    first = shopper.checkout((make_product(price_minor=1500), 1))
    _, error, paid_elsewhere = shopper.pay(first, "pm_card_visa")
    assert error is None
    cancelled_elsewhere = shopper.start(shopper.checkout((make_product(price_minor=1500), 1)))
    stripe_api.v1.payment_intents.cancel(cancelled_elsewhere.get_json()["intent_id"])
    start_afresh()
    # This database's first two orders: the same ids and amounts, other orders.
    mine = [shopper.checkout((make_product(price_minor=1500), 1)) for _ in range(2)]

    # Stripe sends this endpoint the other database's events too.
    assert deliver("payment_intent.succeeded", paid_elsewhere["intent_id"])[0] == 200
    assert deliver("payment_intent.canceled", cancelled_elsewhere.get_json()["intent_id"])[0] \
        == 200

    db.session.expire_all()
    assert [(o.status, o.payments) for o in (db.session.get(Order, m.id) for m in mine)] == [
        ("pending", []), ("pending", [])]


def test_an_intent_naming_an_order_in_odd_digits_is_not_ours(
    shopper, make_product, stripe_api, deliver
):
    intent = stripe_api.v1.payment_intents.create({
        "amount": 1500, "currency": "usd", "metadata": {"order_id": "\u00b2"},
        "payment_method": "pm_card_visa", "confirm": True,
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}})

    assert deliver("payment_intent.succeeded", intent.id) == (200, "ignored")
