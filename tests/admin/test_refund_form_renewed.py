"""The refund form after it was sent again from before its refund: the page it answers with
is a fresh form, so the admin can go on to refund what is left."""

from html import unescape

import pytest

from tests.admin.test_refunds import refund_form, refund_form_in, send
from tests.payments_support import reload


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


def test_the_page_that_refuses_a_used_form_offers_a_fresh_one(boss, paid_order, stripe_api):
    form = {**refund_form(boss, paid_order), "amount": "10.00"}
    send(boss, paid_order, form, follow_redirects=True)
    refused = send(boss, paid_order, form)  # Back to the page before the refund, Refund
    assert refused.status_code == 400
    assert "This form already asked for a refund" in unescape(refused.get_data(as_text=True))

    fresh = refund_form_in(refused.get_data(as_text=True), paid_order)
    assert fresh["request_key"] != form["request_key"]
    done = send(boss, paid_order, {**fresh, "amount": "5.00"},
                follow_redirects=True)

    assert "Refund of $5.00: succeeded." in done.get_data(as_text=True)
    assert sorted(r.amount for r in stripe_api.v1.refunds.list({"limit": 10})["data"]) == [
        500, 1000]
    assert reload(paid_order).amount_refunded_minor == 1500
