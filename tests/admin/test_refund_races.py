"""Two refund forms for one order at the same moment, on PostgreSQL's row locks."""

import threading

import pytest

from tests.admin.conftest import ADMIN
from tests.admin.test_refunds import confirmation_form, refund_form
from tests.conftest import POSTGRES_URL, AuthActions
from tests.payments_support import eventually, reload

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL"),
]


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


def test_two_admins_refunding_at_once_make_one_refund_and_the_other_sees_it(
    app, boss, paid_order, sandbox, stripe_api
):
    other_admin = app.test_client()
    AuthActions(other_admin).login(*ADMIN)
    number = paid_order.number
    first, second = (  # each admin's form, up to its confirmation page
        confirmation_form(admin.post(f"/admin/orders/{number}/refund", data={
            **refund_form(admin, paid_order), "amount": "10.00"}).get_data(as_text=True))
        for admin in (boss, other_admin)
    )
    # Stripe takes its time over the first admin's refund.
    sandbox.control.fault("/v1/refunds", "slow", count=1, seconds=1.5, method="POST")
    answers = {}
    clicked = threading.Thread(target=lambda: answers.update(
        first=boss.post(f"/admin/orders/{number}/refund", data=first)))
    clicked.start()
    eventually(lambda: sandbox.control.faults() == [], "the first refund is at Stripe")

    answers["second"] = other_admin.post(f"/admin/orders/{number}/refund", data=second)
    clicked.join()

    assert answers["first"].status_code == 302
    assert answers["second"].status_code == 400
    assert "$15.00 is left to refund now" in answers["second"].get_data(as_text=True)
    assert [r.amount for r in stripe_api.v1.refunds.list({"limit": 10})["data"]] == [1000]
    assert reload(paid_order).amount_refunded_minor == 1000
