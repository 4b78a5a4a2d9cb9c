"""Pagination, expand[] and the events API."""

import pytest
import requests
import stripe


def test_pagination_forward_and_back(client):
    ids = [client.v1.customers.create(params={"name": str(i)}).id for i in range(7)]
    newest_first = list(reversed(ids))
    page1 = client.v1.customers.list(params={"limit": 3})
    assert [c.id for c in page1.data] == newest_first[:3]
    assert page1.has_more is True
    page2 = client.v1.customers.list(params={"limit": 3, "starting_after": page1.data[-1].id})
    assert [c.id for c in page2.data] == newest_first[3:6]
    page3 = client.v1.customers.list(params={"limit": 3, "starting_after": page2.data[-1].id})
    assert [c.id for c in page3.data] == newest_first[6:]
    assert page3.has_more is False
    back = client.v1.customers.list(params={"limit": 2, "ending_before": page2.data[0].id})
    assert [c.id for c in back.data] == newest_first[1:3]
    assert back.has_more is True


def test_auto_paging_walks_everything(client):
    ids = {client.v1.customers.create().id for _ in range(5)}
    walked = {c.id for c in client.v1.customers.list(params={"limit": 2}).auto_paging_iter()}
    assert walked == ids


def test_default_limit_is_ten_and_bounds(client):
    for _ in range(12):
        client.v1.customers.create()
    assert len(client.v1.customers.list().data) == 10
    assert len(client.v1.customers.list(params={"limit": 1}).data) == 1
    assert len(client.v1.customers.list(params={"limit": 100}).data) == 12


@pytest.mark.parametrize("limit", [0, -1, 101])
def test_a_limit_outside_one_to_a_hundred_is_refused(client, limit):
    client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.list(params={"limit": limit})
    assert caught.value.http_status == 400
    assert caught.value.param == "limit"
    assert caught.value.user_message == "Invalid limit: must be between 1 and 100"


def test_created_filter(client, control):
    old = client.v1.customers.create()
    control.advance(100)
    new = client.v1.customers.create()
    listed = client.v1.customers.list(params={"created": {"gt": old.created}})
    assert [c.id for c in listed.data] == [new.id]


def test_expand_latest_charge_and_payment_method(client, pay):
    intent = pay()
    expanded = client.v1.payment_intents.retrieve(intent.id, params={
        "expand": ["latest_charge", "payment_method", "latest_charge.payment_method_details"]})
    assert expanded.latest_charge.object == "charge"
    assert expanded.latest_charge.payment_method_details.card.last4 == "4242"
    assert expanded.payment_method.object == "payment_method"
    assert expanded.payment_method.id == intent.payment_method


def test_expand_customer_and_in_lists(client, pay):
    customer = client.v1.customers.create(params={"email": "e@example.com"})
    pay(customer=customer.id)
    listed = client.v1.payment_intents.list(params={"expand": ["data.customer"]})
    assert listed.data[0].customer.email == "e@example.com"
    charge = client.v1.charges.list(params={"expand": ["data.payment_intent"]}).data[0]
    assert charge.payment_intent.object == "payment_intent"


def test_expand_on_confirm(client):
    intent = client.v1.payment_intents.create(params={
        "amount": 1000, "currency": "usd", "payment_method_types": ["card"]})
    done = client.v1.payment_intents.confirm(intent.id, params={
        "payment_method": "pm_card_visa", "expand": ["latest_charge"]})
    assert done.latest_charge.status == "succeeded"


def test_expand_unknown_field(client, pay):
    intent = pay()
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.retrieve(intent.id, params={"expand": ["nonsense"]})
    assert caught.value.param == "expand"


@pytest.mark.parametrize("path", ["amount", "metadata", "latest_charge.amount", "data"])
def test_a_property_that_is_not_expandable_is_refused(client, pay, path):
    intent = pay()
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.retrieve(intent.id, params={"expand": [path]})
    assert caught.value.http_status == 400
    assert caught.value.param == "expand"
    assert caught.value.user_message == f"This property cannot be expanded ({path})."


def test_a_refused_expand_changes_nothing(client):
    intent = client.v1.payment_intents.create(params={
        "amount": 1000, "currency": "usd", "payment_method_types": ["card"]})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.confirm(intent.id, params={
            "payment_method": "pm_card_visa", "expand": ["amount"]})
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"
    assert client.v1.charges.list().data == []


def test_expand_walks_through_a_hash(client):
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    client.v1.customers.update(customer.id, params={
        "invoice_settings": {"default_payment_method": pm.id}})
    expanded = client.v1.customers.retrieve(customer.id, params={
        "expand": ["invoice_settings.default_payment_method"]})
    assert expanded.invoice_settings.default_payment_method.card.last4 == "4242"


def test_event_shape_and_request_info(client):
    customer = client.v1.customers.create(options={"idempotency_key": "cust-key-1"})
    event = client.v1.events.list().data[0]
    assert event.id.startswith("evt_")
    assert event.type == "customer.created"
    assert event.livemode is False
    assert event.api_version
    assert event.request.idempotency_key == "cust-key-1"
    assert event.request.id.startswith("req_")
    assert event.data.object.id == customer.id
    assert client.v1.events.retrieve(event.id).type == "customer.created"


def test_events_filter_by_type_and_wildcard(client, pay):
    pay()
    client.v1.customers.create()
    assert {e.type for e in client.v1.events.list(params={"type": "charge.succeeded"}).data} \
        == {"charge.succeeded"}
    wildcard = client.v1.events.list(params={"type": "payment_intent.*"}).data
    assert {e.type for e in wildcard} == {"payment_intent.created", "payment_intent.succeeded"}


def test_event_snapshots_do_not_change(client):
    customer = client.v1.customers.create(params={"name": "Before"})
    client.v1.customers.update(customer.id, params={"name": "After"})
    created = client.v1.events.list(params={"type": "customer.created"}).data[0]
    assert created.data.object.name == "Before"


def test_request_id_on_every_response(client):
    customer = client.v1.customers.create()
    assert customer.last_response.request_id.startswith("req_")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.retrieve("cus_missing")
    assert caught.value.request_id.startswith("req_")


def test_unknown_url_is_stripe_404(sandbox):
    response = requests.get(f"{sandbox.url}/v1/widgets",
                            headers={"Authorization": "Bearer sk_test_x"}, timeout=10)
    assert response.status_code == 404
    message = response.json()["error"]["message"]
    assert message.startswith("Unrecognized request URL (GET: /v1/widgets)")
    assert response.headers["Request-Id"].startswith("req_")
