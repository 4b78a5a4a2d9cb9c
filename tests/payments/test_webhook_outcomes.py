"""What the webhook answers Stripe when the shop's re-read of the event's object fails."""

from shop.extensions import db
from shop.models import StripeEvent
from tests.payments.test_webhooks import deliver, intent_event


def test_an_event_whose_object_stripe_refuses_to_show_is_stored_failed_and_not_asked_again(
    client, shopper, make_product, sandbox
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent_id = shopper.start(order).get_json()["intent_id"]
    # Stripe refuses the shop's request about the event's object: it would refuse a
    # redelivery's too, so Stripe is not asked to send it again.
    sandbox.control.fault(f"/v1/payment_intents/{intent_id}", mode="not_found", count=10,
                          method="GET")

    response = deliver(client, intent_event(intent_id, event_id="evt_refused_1"))

    assert response.status_code == 200
    db.session.expire_all()
    stored = db.session.get(StripeEvent, "evt_refused_1")
    assert stored.status == "failed" and stored.attempts == 1
    assert "NotFound" in stored.last_error


def test_an_event_whose_object_stripe_cannot_show_now_asks_stripe_to_send_it_again(
    client, shopper, make_product, sandbox
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent_id = shopper.start(order).get_json()["intent_id"]
    sandbox.control.fault(f"/v1/payment_intents/{intent_id}", mode="error", count=10,
                          method="GET")

    response = deliver(client, intent_event(intent_id, event_id="evt_outage_1"))

    assert response.status_code == 500
    db.session.expire_all()
    assert db.session.get(StripeEvent, "evt_outage_1").status == "failed"
