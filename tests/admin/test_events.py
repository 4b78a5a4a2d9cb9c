"""The webhook inbox: filters, the payload and error, and reprocessing a failed event."""

import re

import pytest

from shop.extensions import db
from shop.models import StripeEvent
from tests.payments_support import reload, settle_webhooks


def listed(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'href="/admin/events/(evt_\w+)"', response.get_data(as_text=True))


def test_inbox_filters_by_status_and_type(admin_client, make_event):
    failed = make_event("charge.refunded", status="failed", last_error="KeyError: 'charge'")
    processed = make_event("payment_intent.succeeded")
    ignored = make_event("customer.created", status="ignored")
    assert listed(admin_client.get("/admin/events")) == [ignored.id, processed.id, failed.id]
    page = admin_client.get("/admin/events?status=failed")
    assert listed(page) == [failed.id]
    assert "KeyError: &#39;charge&#39;" in page.get_data(as_text=True)
    assert ">Reprocess</button>" in page.get_data(as_text=True)
    assert listed(admin_client.get("/admin/events?type=customer.created")) == [ignored.id]
    options = admin_client.get("/admin/events").get_data(as_text=True)
    assert '<option value="payment_intent.succeeded">' in options


def test_inbox_pages_by_received_time(app, admin_client, make_event):
    events = [make_event() for _ in range(53)]
    first = admin_client.get("/admin/events")
    older = re.search(r'href="([^"]+)" rel="next"', first.get_data(as_text=True)).group(1)
    second = listed(admin_client.get(older.replace("&amp;", "&")))
    assert listed(first) + second == [e.id for e in reversed(events)]


@pytest.mark.parametrize("stray", ["endpoint", "_method"])
def test_inbox_links_ignore_what_is_not_a_filter(admin_client, make_event, stray):
    make_event(status="failed")

    page = admin_client.get("/admin/events", query_string={"after": "x", "status": "failed",
                                                           stray: "POST"})

    assert page.status_code == 200
    newest = re.search(r'href="([^"]+)">Newest</a>', page.get_data(as_text=True)).group(1)
    assert newest == "/admin/events?status=failed"


def test_event_page_shows_the_payload_pretty_printed_and_the_error(admin_client, make_event):
    event = make_event("charge.refunded", status="failed", last_error="RuntimeError: boom",
                       obj={"id": "ch_1", "object": "charge", "amount": 2500})
    html = admin_client.get(f"/admin/events/{event.id}").get_data(as_text=True)
    assert "RuntimeError: boom" in html
    assert '&#34;amount&#34;: 2500' in html and '\n      &#34;id&#34;: &#34;ch_1&#34;' in html
    assert f'href="https://dashboard.stripe.com/test/events/{event.id}"' in html
    assert admin_client.get("/admin/events/evt_missing").status_code == 404


@pytest.fixture
def app_config(request, stripe_config):
    return stripe_config if "sandbox" in request.fixturenames else {}


def test_reprocess_turns_a_failed_event_processed(
    app, admin_client, shopper, make_product, sandbox, webhooks_on
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    # Stripe cannot be reached while the webhook is handled, and Stripe gives up retrying.
    sandbox.control.configure(max_attempts=1)
    sandbox.control.fault(f"/v1/payment_intents/{intent['intent_id']}", "error", count=1000,
                          method="GET")
    shopper.confirm_at_stripe(intent, "pm_card_visa")
    settle_webhooks(sandbox, timeout=30)
    sandbox.control.clear_faults()
    sandbox.control.configure(max_attempts=5)
    event = db.session.execute(
        db.select(StripeEvent).where(StripeEvent.type == "payment_intent.succeeded")
    ).scalar_one()
    assert event.status == "failed" and event.last_error
    assert reload(order).status == "pending"

    response = admin_client.post(f"/admin/events/{event.id}/reprocess", follow_redirects=True)
    assert "reprocessed: processed" in response.get_data(as_text=True)
    db.session.expire_all()
    event = db.session.get(StripeEvent, event.id)
    assert event.status == "processed" and event.last_error is None
    order = reload(order)
    assert order.status == "paid"
    assert any("reprocessed payment_intent.succeeded" in e.message for e in order.events)
