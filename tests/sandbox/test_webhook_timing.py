"""Webhook delivery over time (SANDBOX.md §4): retries back off exponentially (each wait
double the last), any 2xx counts as delivered, and every attempt is signed when it is sent
(a fresh t), not when the event was created."""

import itertools

import stripe

WEBHOOK_SECRET = "whsec_sandbox_tests"  # the secret conftest gives the sandbox


def signed_at(item) -> int:
    stripe.Webhook.construct_event(item["body"], item["signature"], WEBHOOK_SECRET)
    return int(dict(part.split("=", 1) for part in item["signature"].split(","))["t"])


def test_backoff_doubles_each_time(client, control, receiver):
    control.configure(retry_base=0.4, max_attempts=4)
    receiver.statuses = [500, 500, 500]
    client.v1.customers.create()
    control.wait_for_deliveries(timeout=20)
    (delivery,) = control.deliveries()
    times = [attempt["at"] for attempt in delivery["attempts"]]
    assert len(times) == 4 and delivery["delivered"] is True
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # 0.4 s, 0.8 s, 1.6 s: only lower bounds, a busy machine may add to any wait.
    assert gaps[0] >= 0.35
    assert gaps[1] >= 0.75
    assert gaps[2] >= 1.5  # linear growth would give 1.2 s


def test_any_2xx_is_delivered(client, control, receiver):
    control.configure(retry_base=0.05)
    receiver.statuses = [204]
    client.v1.customers.create()
    control.wait_for_deliveries()
    (delivery,) = control.deliveries()
    assert [a["status_code"] for a in delivery["attempts"]] == [204]
    assert delivery["delivered"] is True
    assert client.v1.events.retrieve(delivery["event_id"]).pending_webhooks == 0


def test_a_delayed_delivery_is_signed_when_sent(client, control, receiver):
    control.webhook_behaviour(delay=2.2)
    client.v1.customers.create()
    control.wait_for_deliveries()
    (item,) = receiver.received
    assert signed_at(item) >= item["event"]["created"] + 2


def test_each_retry_gets_a_fresh_timestamp(client, control, receiver):
    control.configure(retry_base=1.2)
    receiver.statuses = [500]
    client.v1.customers.create()
    control.wait_for_deliveries()
    first, second = receiver.received
    assert signed_at(second) >= signed_at(first) + 1
