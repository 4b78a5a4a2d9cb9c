"""The order rollup stays exact through the shop's own paths, paid through the Stripe sandbox:
checkout, paying, partial and full refunds, an admin's cancellation and expiry."""

from datetime import timedelta

import pytest

from shop.extensions import db
from shop.models import Order, utcnow
from tests.admin.conftest import ADMIN
from tests.admin.rollup_support import assert_rollup_exact, stored_rollup
from tests.admin.test_refunds import refund_form
from tests.conftest import AuthActions
from tests.payments_support import reload


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


@pytest.fixture
def boss(app, admin):
    client = app.test_client()
    AuthActions(client).login(*ADMIN)
    return client


def statuses_counted() -> dict[str, int]:
    counted: dict[str, int] = {}
    for (_, _, status), (count, _, _) in stored_rollup().items():
        counted[status] = counted.get(status, 0) + count
    return counted


def test_checkout_pay_refund_cancel_and_expire_keep_the_rollup_exact(
    shopper, boss, make_product, runner
):
    mug = make_product(price_minor=2500, stock=10)
    order = shopper.checkout((mug, 2), email="ann@example.com")
    assert_rollup_exact()
    assert statuses_counted() == {"pending": 1}

    _, error, _ = shopper.pay(order, "pm_card_visa")
    assert error is None
    assert reload(order).status == "paid"
    assert_rollup_exact()
    assert statuses_counted() == {"paid": 1}

    form = refund_form(boss, order)
    boss.post(f"/admin/orders/{order.number}/refund", data={**form, "amount": "10.00"})
    assert reload(order).amount_refunded_minor == 1000
    assert_rollup_exact()
    assert statuses_counted() == {"partially_refunded": 1}

    boss.post(f"/admin/orders/{order.number}/refund", data=refund_form(boss, reload(order)))
    assert reload(order).status == "refunded"
    assert_rollup_exact()

    cancelled = shopper.checkout((mug, 1), email="bob@example.com")
    shopper.start(cancelled)
    boss.post(f"/admin/orders/{cancelled.number}/cancel")
    assert reload(cancelled).status == "canceled"
    assert_rollup_exact()

    expired = shopper.checkout((mug, 1), email="cat@example.com")
    row = db.session.get(Order, expired.id)
    row.reserved_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    assert reload(expired).status == "canceled"
    assert_rollup_exact()
    assert statuses_counted() == {"refunded": 1, "canceled": 2}

    page = boss.get("/admin/orders?status=canceled").get_data(as_text=True)
    assert "2 orders match" in page


def test_a_declined_payment_changes_nothing_in_the_rollup(shopper, make_product):
    order = shopper.checkout((make_product(price_minor=1500), 1))
    before = stored_rollup()
    _, error, _ = shopper.pay(order, "pm_card_visa_chargeDeclined")
    assert error is not None and reload(order).status == "pending"
    assert stored_rollup() == before
    assert_rollup_exact()
