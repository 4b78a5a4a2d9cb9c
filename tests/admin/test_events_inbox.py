"""The webhook inbox seen by an admin, more closely: pages that end where the events end,
events found by the order they are about, reprocessing told as it went and put on the
order's timeline, and deliveries stored as Stripe sent them."""

import json
import re
import time

import pytest

from shop.extensions import db
from shop.models import OrderEvent, Payment, StripeEvent, utcnow
from tests.payments_support import signed


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


def listed(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'href="/admin/events/(evt_\w+)"', response.get_data(as_text=True))


def older_link(response) -> str | None:
    found = re.search(r'href="([^"]+)" rel="next"', response.get_data(as_text=True))
    return found.group(1).replace("&amp;", "&") if found else None


def post_event(client, event: dict):
    body = json.dumps(event).encode()
    return client.post("/webhooks/stripe", data=body, content_type="application/json",
                       headers={"Stripe-Signature": signed(body)})


def stripe_event(event_id: str, event_type: str, obj: dict, livemode: bool = False) -> dict:
    return {"id": event_id, "object": "event", "type": event_type, "created": int(time.time()),
            "livemode": livemode, "data": {"object": obj}}


def timeline(order) -> list[OrderEvent]:
    return list(db.session.execute(
        db.select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
    ).scalars())


def test_exactly_one_page_of_events_offers_no_older_page(admin_client, make_event):
    for _ in range(50):
        make_event()

    first = admin_client.get("/admin/events")

    assert len(listed(first)) == 50
    assert older_link(first) is None


def test_events_received_at_the_same_moment_page_without_skipping_or_repeating(
    admin_client, make_event
):
    moment = utcnow()
    events = [make_event(received_at=moment) for _ in range(53)]

    first = admin_client.get("/admin/events")
    seen = listed(first) + listed(admin_client.get(older_link(first)))

    assert sorted(seen) == sorted(e.id for e in events)
    assert len(seen) == len(set(seen)) == 53


def test_the_type_filter_offers_each_type_once(admin_client, make_event):
    make_event("charge.refunded")
    make_event("charge.refunded")

    page = admin_client.get("/admin/events").get_data(as_text=True)

    assert page.count('<option value="charge.refunded">') == 1


def test_an_event_about_a_charge_links_to_the_order_it_was_paid_for(
    admin_client, make_order, make_event
):
    order = make_order(payment={"intent_id": "pi_charged"})
    event = make_event("charge.captured",
                       obj={"id": "ch_1", "object": "charge", "payment_intent": "pi_charged"})

    page = admin_client.get(f"/admin/events/{event.id}").get_data(as_text=True)

    assert f'<a href="/admin/orders/{order.number}">{order.number}</a>' in page


def test_reprocessing_an_event_puts_it_on_its_orders_timeline_with_a_link_to_it(
    admin_client, make_order, make_event
):
    order = make_order(payment={"intent_id": "pi_charged"})
    event = make_event("charge.captured", status="failed",
                       obj={"id": "ch_1", "object": "charge", "payment_intent": "pi_charged"})

    admin_client.post(f"/admin/events/{event.id}/reprocess")

    [entry] = [e for e in timeline(order) if e.kind == "admin_reprocess"]
    assert f"reprocessed charge.captured ({event.id}): ignored." in entry.message
    page = admin_client.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    assert f'href="/admin/events/{event.id}"' in page


def test_a_reprocessed_event_that_fails_again_is_announced_as_an_error(admin_client, make_event,
                                                                      sandbox):
    # Stripe knows no such dispute, so the handler cannot re-read it.
    event = make_event("charge.dispute.created", status="failed",
                       obj={"id": "dp_nowhere", "object": "dispute"})

    page = admin_client.post(f"/admin/events/{event.id}/reprocess",
                             follow_redirects=True).get_data(as_text=True)

    assert re.search(rf'<p class="flash flash-error" role="alert">Event {event.id} reprocessed:'
                     r" failed\.</p>", page)


def test_an_event_of_a_type_the_shop_ignores_is_stored_once_however_often_it_comes(
    client, admin_client
):
    event = stripe_event("evt_unhandled", "customer.created",
                         {"id": "cus_elsewhere", "object": "customer"})

    answers = [post_event(client, event) for _ in range(2)]

    assert [a.get_json()["outcome"] for a in answers] == ["ignored", "duplicate"]
    stored = db.session.get(StripeEvent, "evt_unhandled")
    assert (stored.status, stored.attempts) == ("ignored", 1)
    page = admin_client.get("/admin/events/evt_unhandled").get_data(as_text=True)
    assert "<dt>Attempts</dt><dd>1</dd>" in page
    assert "<dt>Processed</dt><dd>—</dd>" not in page  # handled, by being set aside


def test_a_live_mode_event_is_shown_as_live(client, admin_client):
    event = stripe_event("evt_live", "customer.created",
                         {"id": "cus_elsewhere", "object": "customer"}, livemode=True)
    assert post_event(client, event).status_code == 200

    page = admin_client.get("/admin/events/evt_live").get_data(as_text=True)

    assert "<dt>Mode</dt><dd>live ·" in page


def test_a_late_decline_on_a_partly_refunded_order_goes_on_its_timeline_once(
    shopper, make_product, stripe_api, deliver, runner
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    _, declined = shopper.confirm_at_stripe(intent, "pm_card_visa_chargeDeclined")
    assert declined is not None  # the page's report of the decline is lost
    shopper.confirm_at_stripe(intent, "pm_card_visa")
    assert shopper.report(order, intent["intent_id"]).get_json()["status"] == "paid"
    refund = stripe_api.v1.refunds.create(params={"payment_intent": intent["intent_id"],
                                                  "amount": 1000})
    assert deliver("refund.created", refund.id)[0] == 200
    db.session.expire_all()
    assert db.session.get(type(order), order.id).status == "partially_refunded"

    # Stripe's event about the decline arrives only now, and is run again later.
    assert deliver("payment_intent.payment_failed", intent["intent_id"]) == (200, "processed")
    [late] = db.session.execute(db.select(StripeEvent.id).where(
        StripeEvent.type == "payment_intent.payment_failed")).scalars()
    again = runner.invoke(args=["stripe", "events", "reprocess", late])
    assert again.exit_code == 0, again.output

    db.session.expire_all()
    late_entries = [e.message for e in timeline(order) if e.kind == "late_failure"]
    assert late_entries == ["A late payment failure arrived while the order was"
                            " partially refunded; nothing changed."]
    assert db.session.get(type(order), order.id).status == "partially_refunded"


def test_a_payment_brought_in_by_its_dispute_links_the_dispute_event_on_the_timeline(
    admin_client, shopper, make_product, sandbox, stripe_api, deliver
):
    # Stripe took the payment, but the shop's database came back from a backup taken
    # before it heard of it: the dispute's event is the first news of the payment.
    order = shopper.checkout((make_product(price_minor=2400), 1))
    started = shopper.start(order).get_json()
    confirmed, error = shopper.confirm_at_stripe(started, "pm_card_visa")
    assert error is None and confirmed["status"] == "succeeded"
    db.session.execute(db.delete(OrderEvent).where(OrderEvent.order_id == order.id))
    db.session.execute(db.delete(Payment).where(Payment.order_id == order.id))
    db.session.commit()
    dispute = sandbox.control.create_dispute(started["intent_id"])

    assert deliver("charge.dispute.created", dispute["id"]) == (200, "processed")

    [event_id] = db.session.execute(db.select(StripeEvent.id).where(
        StripeEvent.type == "charge.dispute.created")).scalars()
    [paid] = [e for e in timeline(order) if e.kind == "status_paid"]
    assert paid.stripe_event_id == event_id
    page = admin_client.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    assert f'href="/admin/events/{event_id}"' in page
