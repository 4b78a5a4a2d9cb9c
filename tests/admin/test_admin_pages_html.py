"""Admin pages with several forms are valid HTML, and each form works as the page sends it."""

import pytest

from tests.html_support import form_fields, ids_used_twice
from tests.payments_support import reload


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


@pytest.fixture
def pending_order(shopper, make_product):
    return shopper.checkout((make_product(price_minor=1800), 1), email="bo@example.com")


def order_page(client, order) -> str:
    return client.get(f"/admin/orders/{order.number}").get_data(as_text=True)


def test_a_pending_orders_page_shares_no_id_and_its_forms_carry_a_working_token(
    app, boss, pending_order
):
    app.config["WTF_CSRF_ENABLED"] = True
    page = order_page(boss, pending_order)
    assert ids_used_twice(page) == []

    sync = f"/admin/orders/{pending_order.number}/sync"
    assert boss.post(sync, data=form_fields(page, sync)).status_code == 302
    cancel = f"/admin/orders/{pending_order.number}/cancel"
    assert boss.post(cancel, data=form_fields(page, cancel)).status_code == 302
    assert reload(pending_order).status == "canceled"


def test_a_paid_orders_page_shares_no_id_and_its_forms_carry_a_working_token(
    app, boss, paid_order
):
    app.config["WTF_CSRF_ENABLED"] = True
    page = order_page(boss, paid_order)
    assert ids_used_twice(page) == []

    sync = f"/admin/orders/{paid_order.number}/sync"
    assert boss.post(sync, data=form_fields(page, sync)).status_code == 302
    refund = f"/admin/orders/{paid_order.number}/refund"
    fields = {**form_fields(page, refund), "reason": "requested_by_customer"}
    assert {"request_key", "left_seen", "amount"} <= fields.keys()  # none lost
    shown = boss.post(refund, data=fields)
    assert shown.status_code == 200 and "Confirm refund" in shown.get_data(as_text=True)


def test_the_events_page_shares_no_id_and_reprocess_carries_a_working_token(
    app, boss, make_event
):
    first = make_event(status="failed", last_error="boom")
    make_event(status="failed", last_error="boom")
    app.config["WTF_CSRF_ENABLED"] = True
    page = boss.get("/admin/events").get_data(as_text=True)
    assert ids_used_twice(page) == []

    reprocess = f"/admin/events/{first.id}/reprocess"
    response = boss.post(reprocess, data=form_fields(page, reprocess), follow_redirects=True)
    assert response.status_code == 200
    assert f"Event {first.id} reprocessed" in response.get_data(as_text=True)
