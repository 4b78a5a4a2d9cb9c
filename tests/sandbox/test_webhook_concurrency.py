"""Concurrent webhook delivery: a pool of senders, as Stripe sends to an endpoint."""

import pytest

from stripe_sandbox.testing import ControlError
from stripe_sandbox.webhooks import WebhookSender
from tests.sandbox.conftest import wait_until


def created_event_ids(client):
    return [e.id for e in reversed(client.v1.events.list().data)]


def test_default_sends_several_at_once(client, control, receiver):
    assert control.config()["webhook_concurrency"] == 8
    receiver.hold = 0.3
    for _ in range(6):
        client.v1.customers.create()
    control.wait_for_deliveries()
    assert receiver.max_in_flight > 1
    assert receiver.in_flight == 0
    assert sorted(receiver.event_ids()) == sorted(created_event_ids(client))
    assert all(d["delivered"] and len(d["attempts"]) == 1 for d in control.deliveries())


def test_concurrency_one_sends_one_at_a_time_in_order(client, control, receiver):
    client.v1.customers.create()  # the pool has grown to its default size by now
    control.wait_for_deliveries()
    control.configure(webhook_concurrency=1)
    receiver.hold = 0.1
    for _ in range(5):
        client.v1.customers.create()
    control.wait_for_deliveries()
    assert receiver.max_in_flight == 1
    assert receiver.event_ids() == created_event_ids(client)


def test_config_round_trip_and_validation(control):
    assert control.configure(webhook_concurrency=3)["webhook_concurrency"] == 3
    assert control.config()["webhook_concurrency"] == 3
    for bad in (0, 65, -1, 2.5, True, "many", None):
        with pytest.raises(ControlError) as caught:
            control.configure(webhook_concurrency=bad)
        assert caught.value.status == 400
    assert control.config()["webhook_concurrency"] == 3


def test_a_failing_delivery_retries_on_its_own(client, control, receiver):
    control.configure(retry_base=0.3)
    receiver.statuses = [500]
    for _ in range(3):
        client.v1.customers.create()
    control.wait_for_deliveries()
    deliveries = control.deliveries()
    assert sorted(len(d["attempts"]) for d in deliveries) == [1, 1, 2]
    assert all(d["delivered"] and d["done"] for d in deliveries)
    assert sorted(set(receiver.event_ids())) == sorted(created_event_ids(client))


def test_reverse_with_concurrency_delivers_the_whole_batch(client, control, receiver):
    control.webhook_behaviour(reverse=3)
    for _ in range(3):
        client.v1.customers.create()
    control.wait_for_deliveries()
    assert sorted(receiver.event_ids()) == sorted(created_event_ids(client))
    assert all(d["delivered"] for d in control.deliveries())


def test_reverse_batch_is_started_newest_first():
    sender = WebhookSender("http://127.0.0.1:9/unused", concurrency=8)
    sender.behave(reverse=3, delay=60)  # keep the released batch queued to look at it
    for n in range(3):
        sender.enqueue({"id": f"evt_{n}", "type": "customer.created"})
    with sender._cond:
        queued = [delivery.event_id for _, _, delivery in sorted(sender._queue)]
    sender.reset()
    assert queued == ["evt_2", "evt_1", "evt_0"]


@pytest.mark.parametrize("concurrency", [1, 8])
def test_reset_ignores_sends_already_in_flight(client, control, receiver, concurrency):
    control.configure(webhook_concurrency=concurrency)
    receiver.gate.clear()  # the endpoint keeps the first request until the test lets go
    client.v1.customers.create()
    wait_until(lambda: receiver.in_flight == 1)
    control.reset()
    # The old send does not count as pending: waiting ends (no 504) while it is held.
    control.wait_for_deliveries(timeout=5)
    assert receiver.in_flight == 1
    assert control.webhook_state()["in_flight"] == 0
    assert control.webhook_state()["in_flight_before_reset"] == 1
    assert control.deliveries() == []
    new = client.v1.customers.create()
    receiver.gate.set()
    control.wait_for_deliveries()
    # The old send's worker is done with it: its outcome could only land now, and must not.
    wait_until(lambda: control.webhook_state()["in_flight_before_reset"] == 0)
    (delivery,) = control.deliveries()
    assert delivery["delivered"] and len(delivery["attempts"]) == 1
    assert receiver.received[-1]["event"]["data"]["object"]["id"] == new.id
    if concurrency == 1:  # the new send waited for the old one to end
        assert receiver.max_in_flight == 1
