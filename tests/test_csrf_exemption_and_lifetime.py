"""CSRF protection switched on everywhere still lets Stripe's signed deliveries in, a page
left open for hours still submits, and remembering signed tokens costs bounded memory."""

import time

import pytest
from itsdangerous import TimestampSigner

from shop.extensions import db
from shop.models import StripeEvent
from shop.web import sessions
from tests.conftest import csrf_token_from
from tests.payments.test_webhooks import deliver, intent_event
from tests.payments_support import WEBHOOK_SECRET


@pytest.mark.csrf
@pytest.mark.parametrize("app_config", [{"STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET}])
def test_stripes_signed_deliveries_need_no_csrf_token(client):
    # Stripe sends no cookie and no token: the signature is the webhook's proof.
    event = intent_event("cus_1", "customer.tax_id.created", "evt_with_csrf_on")
    assert deliver(client, event).status_code == 200
    assert db.session.get(StripeEvent, "evt_with_csrf_on").status == "ignored"


@pytest.mark.csrf
def test_a_page_left_open_for_hours_still_submits(client, make_product, monkeypatch):
    mug = make_product()
    token = csrf_token_from(client.get(f"/products/{mug.slug}").get_data(as_text=True))
    hours_later = int(time.time()) + 6 * 3600  # lunch, a meeting, the evening
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: hours_later)
    response = client.post("/cart/add", data={"product_id": mug.id, "quantity": 1,
                                              "csrf_token": token})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["cart"] == {str(mug.id): 1}


@pytest.mark.csrf
def test_remembered_token_signatures_stay_capped_however_many_visitors_come(
    app, monkeypatch
):
    monkeypatch.setattr(sessions, "REMEMBERED_SIGNATURES", 3)
    for _ in range(10):
        assert csrf_token_from(app.test_client().get("/").get_data(as_text=True))
    assert 1 <= len(app.extensions["csrf_signatures"]) <= 3

