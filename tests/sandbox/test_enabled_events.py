"""Enabled events: the endpoint gets only the types it enabled; every event is still listed."""

import pytest
import stripe

from stripe_sandbox.testing import ControlError, run_sandbox

PAID = ["payment_intent.succeeded", "charge.refunded"]


def test_every_type_is_sent_by_default(client, control, receiver, pay):
    assert control.config()["enabled_events"] == ["*"]
    pay()
    control.wait_for_deliveries()
    listed = {e.type for e in client.v1.events.list().data}
    assert {"payment_intent.created", "charge.succeeded", "payment_intent.succeeded"} <= listed
    assert {item["event"]["type"] for item in receiver.received} == listed


def test_only_enabled_types_are_sent_but_all_are_listed(client, control, receiver, pay):
    shown = control.configure(enabled_events=PAID)
    assert shown["enabled_events"] == PAID
    intent = pay()
    client.v1.refunds.create(params={"payment_intent": intent.id})
    control.wait_for_deliveries()

    events = client.v1.events.list(params={"limit": 100}).data
    sent = {e.id for e in events if e.type in PAID}
    assert {e.type for e in events} >= {"payment_intent.created", "charge.succeeded",
                                       "refund.created", *PAID}
    assert sorted(receiver.event_ids()) == sorted(sent)
    deliveries = control.deliveries()
    assert sorted(d["event_id"] for d in deliveries) == sorted(sent)
    assert {d["type"] for d in deliveries} == set(PAID)
    assert all(d["delivered"] for d in deliveries)
    # Delivered or never sent, no event is still owed to the endpoint.
    assert {e.pending_webhooks for e in client.v1.events.list(params={"limit": 100}).data} == {0}


def test_switches_count_only_events_that_are_sent(client, control, receiver, pay):
    control.configure(enabled_events=["payment_intent.succeeded"])
    control.webhook_behaviour(duplicate=1)
    pay()  # payment_intent.created and charge.succeeded come first but are not sent
    control.wait_for_deliveries()
    (succeeded,) = client.v1.events.list(params={"type": "payment_intent.succeeded"}).data
    assert receiver.event_ids() == [succeeded.id, succeeded.id]


def test_triggered_events_follow_the_same_rule(client, control, receiver, pay):
    intent = pay()
    control.wait_for_deliveries()
    control.configure(enabled_events=["payment_intent.succeeded"])
    before = len(receiver.received)
    skipped = control.trigger("payment_intent.canceled", intent.id)
    sent = control.trigger("payment_intent.succeeded", intent.id)
    control.wait_for_deliveries()
    assert receiver.event_ids()[before:] == [sent["id"]]
    assert client.v1.events.retrieve(skipped["id"]).pending_webhooks == 0


def test_star_enables_everything_again(client, control, receiver):
    control.configure(enabled_events=["charge.refunded"])
    client.v1.customers.create()
    control.configure(enabled_events="*")
    assert control.config()["enabled_events"] == ["*"]
    client.v1.customers.create()
    control.wait_for_deliveries()
    assert len(receiver.received) == 1
    assert len(client.v1.events.list().data) == 2


def test_duplicates_are_kept_once(control):
    shown = control.configure(enabled_events=["charge.refunded", "charge.refunded"])
    assert shown["enabled_events"] == ["charge.refunded"]


@pytest.mark.parametrize("value", [
    "payment_intent.succeeded",  # a string, not a list
    [],
    ["Payment_Intent.Succeeded"],
    ["payment_intent"],
    ["payment_intent.*"],
    ["payment intent.succeeded"],
    ["charge.refunded", ""],
    ["charge.refunded", 7],
    ["*", "charge.refunded"],
    None,
    {"charge.refunded": True},
])
def test_bad_values_are_refused_and_change_nothing(control, value):
    control.configure(enabled_events=PAID, retry_base=0.3)
    before = control.config()
    with pytest.raises(ControlError) as caught:
        control.configure(enabled_events=value, retry_base=9)
    assert caught.value.status == 400
    assert "enabled_events" in caught.value.body["error"]["message"]
    assert control.config() == before


def test_reset_keeps_the_setting_like_every_other(control):
    control.configure(enabled_events=PAID)
    control.reset()
    assert control.config()["enabled_events"] == PAID


def test_set_when_started(receiver):
    with run_sandbox(forward_to=receiver.url, enabled_events=["customer.deleted"]) as running:
        assert running.control.config()["enabled_events"] == ["customer.deleted"]
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": running.url})
        customer = client.v1.customers.create()
        client.v1.customers.delete(customer.id)
        running.control.wait_for_deliveries()
        assert [d["type"] for d in running.control.deliveries()] == ["customer.deleted"]
        assert [item["event"]["type"] for item in receiver.received] == ["customer.deleted"]
    with pytest.raises(ValueError, match="enabled_events"):
        run_sandbox(enabled_events=["nope"])
