"""The control API itself: reset, config, faults, clock, concurrency under one lock."""

import threading

import pytest
import requests

from stripe_sandbox.testing import ControlError


def test_reset_forgets_everything(client, control):
    client.v1.customers.create()
    control.fault("/v1/customers", "error", count=5)
    control.reset()
    assert control._call("GET", "faults") == []
    assert client.v1.customers.list().data == []
    assert client.v1.events.list().data == []


def test_config_round_trip_and_validation(control):
    shown = control.configure(retry_base=0.2, processing_delay=1.5)
    assert shown["retry_base"] == 0.2 and shown["processing_delay"] == 1.5
    with pytest.raises(ControlError) as caught:
        control.configure(forward_to="file:///etc/passwd")
    assert caught.value.status == 400
    with pytest.raises(ControlError):
        control.configure(colour="blue")


@pytest.mark.parametrize("bad", [
    {"processing_delay": "soon"}, {"retry_base": -1}, {"max_attempts": 0},
    {"max_attempts": 2.5}, {"webhook_timeout": 0}, {"processing_delay": True},
])
def test_a_setting_that_is_not_a_fitting_number_is_refused_and_changes_nothing(control, bad):
    before = control.configure(webhook_concurrency=2, processing_delay=1.0)
    with pytest.raises(ControlError) as caught:
        # A good setting beside the bad one is not applied either.
        control.configure(webhook_concurrency=5, **bad)
    assert caught.value.status == 400 and next(iter(bad)) in str(caught.value)
    assert control.config() == before


@pytest.mark.parametrize("bad", [
    {"reverse": "many"}, {"drop": -1}, {"delay": "1s"}, {"duplicate": 1.5}, {"drop": None},
])
def test_a_webhook_switch_that_is_not_a_fitting_number_is_refused_and_changes_nothing(
    control, bad
):
    before = control.webhook_behaviour()
    with pytest.raises(ControlError) as caught:
        control._call("POST", "webhooks", {"duplicate": 2, **bad})
    assert caught.value.status == 400 and next(iter(bad)) in str(caught.value)
    assert control.webhook_behaviour() == before


@pytest.mark.parametrize(("endpoint", "body"), [
    ("faults", {"path": "/v1/customers", "mode": "error", "count": "many"}),
    ("faults", {"path": "/v1/customers", "mode": "error", "count": 0}),
    ("faults", {"path": "/v1/customers", "mode": "slow", "seconds": "2s"}),
    ("faults", {"path": "/v1/customers", "mode": "error", "rate": "half"}),
    ("clock/advance", {"seconds": "an hour"}),
    ("wait", {"timeout": -1}),
])
def test_other_control_numbers_are_checked_too(control, endpoint, body):
    with pytest.raises(ControlError) as caught:
        control._call("POST", endpoint, body)
    assert caught.value.status == 400
    assert control._call("GET", "faults") == []  # no fault was added


def test_fault_counts_down_and_matches_method(client, client_for, control):
    import stripe

    control.fault("/v1/customers", "error", count=1, method="POST")
    assert client_for(retries=0).v1.customers.list().data == []  # GET is not matched
    with pytest.raises(stripe.APIError):
        client_for(retries=0).v1.customers.create()
    assert client_for(retries=0).v1.customers.create().id.startswith("cus_")


def test_clock_moves_created(client, control):
    before = client.v1.customers.create().created
    control.advance(3600)
    after = client.v1.customers.create().created
    assert after - before >= 3600


def test_control_needs_json_object(sandbox):
    response = requests.post(f"{sandbox.url}/_sandbox/webhooks", json=[1, 2], timeout=10)
    assert response.status_code == 400


def test_concurrent_requests_stay_consistent(client):
    errors = []

    def work():
        try:
            for _ in range(10):
                intent = client.v1.payment_intents.create(params={
                    "amount": 1000, "currency": "usd", "payment_method_types": ["card"]})
                client.v1.payment_intents.confirm(
                    intent.id, params={"payment_method": "pm_card_visa"})
        except Exception as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    intents = list(client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter())
    assert len(intents) == 60
    assert {i.status for i in intents} == {"succeeded"}
    assert len(list(client.v1.charges.list(params={"limit": 100}).auto_paging_iter())) == 60
