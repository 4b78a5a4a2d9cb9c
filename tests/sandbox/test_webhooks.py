"""Webhook delivery: Stripe signatures, retries with backoff, and the control switches."""


import pytest
import stripe

from stripe_sandbox.testing import ControlError

WEBHOOK_SECRET = "whsec_sandbox_tests"  # the secret conftest gives the sandbox


def verified(item):
    return stripe.Webhook.construct_event(item["body"], item["signature"], WEBHOOK_SECRET)


def test_every_delivery_is_signed_like_stripe(client, control, receiver, pay):
    pay()
    control.wait_for_deliveries()
    listed = [e.id for e in reversed(client.v1.events.list().data)]
    assert sorted(receiver.event_ids()) == sorted(listed)  # concurrent: any order
    for item in receiver.received:
        event = verified(item)
        assert event.id == item["event"]["id"]
        assert item["signature"].startswith("t=") and ",v1=" in item["signature"]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(receiver.received[0]["body"],
                                       receiver.received[0]["signature"], "whsec_other")
    assert {e.pending_webhooks for e in client.v1.events.list().data} == {0}  # all delivered


def test_delivered_body_counts_the_pending_webhook(client, control, receiver):
    client.v1.customers.create()
    control.wait_for_deliveries()
    delivered = [verified(item) for item in receiver.received]
    assert [event.type for event in delivered] == ["customer.created"]
    assert delivered[0].pending_webhooks == 1  # the body: this endpoint has yet to get it
    assert client.v1.events.retrieve(delivered[0].id).pending_webhooks == 0  # now it has


def test_an_event_its_endpoint_never_took_stays_pending(client, control, receiver):
    control.configure(retry_base=0.1, max_attempts=2)
    receiver.statuses = [500, 503]
    client.v1.customers.create()
    control.wait_for_deliveries()
    assert [item["status"] for item in receiver.received] == [500, 503]
    assert client.v1.events.list().data[0].pending_webhooks == 1


def test_snapshot_payload(client, control, receiver):
    customer = client.v1.customers.create(params={"name": "Before"})
    client.v1.customers.update(customer.id, params={"name": "After"})
    control.wait_for_deliveries()
    by_type = {item["event"]["type"]: verified(item) for item in receiver.received}
    created, updated = by_type["customer.created"], by_type["customer.updated"]
    assert created.data.object.name == "Before"
    assert updated.data.object.name == "After"
    assert updated.data.previous_attributes.name == "Before"


def test_retries_on_500_until_2xx(client, control, receiver):
    control.configure(retry_base=0.2)
    receiver.statuses = [500, 503]
    client.v1.customers.create()
    control.wait_for_deliveries()
    assert [item["status"] for item in receiver.received] == [500, 503, 200]
    for item in receiver.received:
        verified(item)
    (delivery,) = control.deliveries()
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 200]
    assert client.v1.events.retrieve(delivery["event_id"]).pending_webhooks == 0
    assert delivery["delivered"] is True and delivery["done"] is True
    gaps = [b["at"] - a["at"] for a, b in zip(receiver.received, receiver.received[1:],
                                                    strict=False)]
    assert 0.15 < gaps[0] < gaps[1]  # exponential backoff: 0.2 s, then 0.4 s
    assert gaps[1] > 0.35


def test_a_redirect_is_a_failed_delivery_not_followed(client, control, receiver):
    control.configure(retry_base=0.2)
    receiver.statuses = [302, 301]  # e.g. http:// sent on to https://
    client.v1.customers.create()
    control.wait_for_deliveries()
    (delivery,) = control.deliveries()
    assert [a["status_code"] for a in delivery["attempts"]] == [302, 301, 200]
    assert [item["status"] for item in receiver.received] == [302, 301, 200]  # all POSTs


def test_gives_up_after_max_attempts(client, control, receiver):
    control.configure(max_attempts=3)
    receiver.statuses = [500] * 10
    client.v1.customers.create()
    control.wait_for_deliveries()
    (delivery,) = control.deliveries()
    assert len(delivery["attempts"]) == 3
    assert delivery["done"] is True and delivery["delivered"] is False


def test_unreachable_endpoint_records_errors(client, control):
    control.configure(forward_to="http://127.0.0.1:9/nowhere", max_attempts=2)
    client.v1.customers.create()
    control.wait_for_deliveries()
    (delivery,) = control.deliveries()
    assert all("error" in attempt for attempt in delivery["attempts"])
    assert len(delivery["attempts"]) == 2


def test_duplicate(client, control, receiver):
    control.webhook_behaviour(duplicate=1)
    first = client.v1.customers.create()
    client.v1.customers.create()
    control.wait_for_deliveries()
    ids = receiver.event_ids()
    assert len(ids) == 3
    first_event = client.v1.events.list(params={"type": "customer.created"}).data[-1]
    assert first_event.data.object.id == first.id
    assert ids.count(first_event.id) == 2


def test_reverse(client, control, receiver):
    control.configure(webhook_concurrency=1)  # so they also arrive in the order sent
    control.webhook_behaviour(reverse=3)
    for _ in range(3):
        client.v1.customers.create()
    control.wait_for_deliveries()
    created = [e.id for e in reversed(client.v1.events.list().data)]
    assert receiver.event_ids() == list(reversed(created))


def test_delay(client, control, receiver):
    control.webhook_behaviour(delay=0.6)
    client.v1.customers.create()
    [held] = control.deliveries()
    assert held["attempts"] == [] and not held["done"]
    assert held["next_attempt_at"] - held["queued_at"] == pytest.approx(0.6, abs=0.01)
    control.wait_for_deliveries()
    [sent] = control.deliveries()
    assert sent["delivered"] and sent["next_attempt_at"] is None
    assert sent["attempts"][0]["at"] >= held["next_attempt_at"]  # not sent before it was due
    assert [item["event"]["id"] for item in receiver.received] == [sent["event_id"]]


def test_drop(client, control, receiver):
    control.webhook_behaviour(drop=1)
    client.v1.customers.create()
    second = client.v1.customers.create()
    control.wait_for_deliveries()
    assert [item["event"]["data"]["object"]["id"] for item in receiver.received] == [second.id]
    dropped, sent = control.deliveries()
    assert dropped["dropped"] is True and dropped["attempts"] == []
    assert sent["delivered"] is True


def test_trigger_emits_for_a_real_object(client, control, receiver, pay):
    intent = pay()
    control.wait_for_deliveries()
    before = len(receiver.received)
    event = control.trigger("payment_intent.succeeded", intent.id)
    control.wait_for_deliveries()
    assert len(receiver.received) == before + 1
    delivered = verified(receiver.received[-1])
    assert delivered.id == event["id"]
    assert delivered.data.object.id == intent.id
    with pytest.raises(ControlError) as caught:
        control.trigger("payment_intent.succeeded", "pi_missing")
    assert caught.value.status == 404


def test_wait_times_out_while_endpoint_fails(client, control, receiver):
    control.configure(retry_base=5)
    receiver.statuses = [500]
    client.v1.customers.create()
    with pytest.raises(ControlError) as caught:
        control.wait_for_deliveries(timeout=0.5)
    assert caught.value.status == 504


def test_no_forward_to_means_no_deliveries(client, control):
    client.v1.customers.create()
    assert control.deliveries() == []
    assert client.v1.events.list().data[0].pending_webhooks == 0
