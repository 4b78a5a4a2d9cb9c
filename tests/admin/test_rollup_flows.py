"""The order rollup stays exact through the shop's own paths, paid through the Stripe sandbox:
checkout, paying, partial and full refunds, an admin's cancellation and expiry, and a dispute
opened and closed."""

from datetime import timedelta

import pytest

from shop.extensions import db
from shop.models import Order, utcnow
from shop.web.templating import money
from tests.admin.rollup_support import assert_rollup_exact, stored_rollup
from tests.admin.test_refunds import refund_form, send
from tests.admin.test_rollup import shown_summary
from tests.payments_support import reload, settle_webhooks


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


def counted_by(part: int) -> dict:
    """How many orders the rollup counts per value of one part of its key
    (0 day, 1 currency, 2 status, 3 dispute open)."""
    counted: dict = {}
    for key, (count, _, _) in stored_rollup().items():
        counted[key[part]] = counted.get(key[part], 0) + count
    return counted


def statuses_counted() -> dict[str, int]:
    return counted_by(2)


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
    send(boss, order, {**form, "amount": "10.00"})
    assert reload(order).amount_refunded_minor == 1000
    assert_rollup_exact()
    assert statuses_counted() == {"partially_refunded": 1}

    send(boss, order, refund_form(boss, reload(order)))
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


def disputes_counted() -> dict[bool, int]:
    """How many orders the rollup counts with a dispute open (True) and without (False)."""
    return counted_by(3)


def test_a_dispute_opened_and_closed_at_stripe_moves_its_order_in_the_rollup(
    shopper, boss, make_product, sandbox, webhooks_on
):
    mug = make_product(price_minor=2500, stock=10)
    kept = shopper.checkout((mug, 1), email="ann@example.com")
    disputed = shopper.checkout((mug, 2), email="bob@example.com")
    for order in (kept, disputed):
        assert shopper.pay(order, "pm_card_visa")[1] is None
    settle_webhooks(sandbox)
    assert disputes_counted() == {False: 2}

    intent_id = reload(disputed).payments[-1].intent_id
    dispute = sandbox.control.create_dispute(intent_id)
    settle_webhooks(sandbox)
    assert reload(disputed).dispute_status == "needs_response"
    assert_rollup_exact()
    assert disputes_counted() == {False: 1, True: 1}
    page = boss.get("/admin/orders?dispute=y").get_data(as_text=True)
    assert shown_summary(page)[:2] == (1, {"usd": money(5000, "usd")})
    page = boss.get("/admin/orders?dispute=y&status=paid").get_data(as_text=True)
    assert shown_summary(page)[0] == 1

    sandbox.control.close_dispute(dispute["id"], "won")
    settle_webhooks(sandbox)
    assert reload(disputed).dispute_status == "won"
    assert_rollup_exact()
    assert disputes_counted() == {False: 2}
    assert "No orders match" in boss.get("/admin/orders?dispute=y").get_data(as_text=True)
    assert "2 orders match" in boss.get("/admin/orders?status=paid").get_data(as_text=True)
