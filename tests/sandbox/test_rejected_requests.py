"""A request answered with an error changes nothing (SANDBOX.md §6) — except a decline.

Each request here gets far enough to change something before it is refused; afterwards
the objects, the event list and the webhooks must be exactly as if it had never come.
"""

import pytest
import stripe

RETURN_URL = "https://shop.test/return"


def event_types(client):
    return [event.type for event in reversed(client.v1.events.list(params={"limit": 100}).data)]


def intent(client, **params):
    return client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd", **params})


def test_confirm_without_return_url_leaves_the_intent_as_it_was(client):
    created = intent(client)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.confirm(created.id, params={
            "payment_method": "pm_card_visa", "receipt_email": "z@example.com",
            "setup_future_usage": "off_session"})
    assert caught.value.param == "return_url"
    after = client.v1.payment_intents.retrieve(created.id)
    assert after.to_dict() == created.to_dict()


def test_confirm_with_another_customers_method_keeps_no_method(client):
    ours, theirs = client.v1.customers.create(), client.v1.customers.create()
    method = client.v1.payment_methods.attach("pm_card_visa", params={"customer": theirs.id})
    created = intent(client, customer=ours.id)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.confirm(created.id, params={
            "payment_method": method.id, "return_url": RETURN_URL})
    assert "belongs to a different Customer" in caught.value.user_message
    after = client.v1.payment_intents.retrieve(created.id)
    assert (after.status, after.payment_method) == ("requires_payment_method", None)


@pytest.mark.parametrize("update", [
    {"amount": 5000, "description": "new", "customer": "cus_gone"},
    {"metadata": {"k": "changed"}, "payment_method": "pm_nope"},
])
def test_an_update_that_names_something_missing_changes_nothing(client, update):
    created = intent(client, metadata={"k": "v"})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.update(created.id, params=update)
    assert caught.value.http_status == 404
    assert client.v1.payment_intents.retrieve(created.id).to_dict() == created.to_dict()


def test_a_customer_whose_card_is_declined_is_not_created(client, control, receiver):
    with pytest.raises(stripe.CardError) as caught:
        client.v1.customers.create(params={
            "email": "d@example.com", "payment_method": "pm_card_visa_chargeDeclined"})
    assert caught.value.code == "card_declined"
    assert client.v1.customers.list().data == []
    assert event_types(client) == []
    control.wait_for_deliveries()
    assert receiver.received == []


def test_create_and_confirm_that_is_refused_leaves_no_intent(client):
    ours, theirs = client.v1.customers.create(), client.v1.customers.create()
    method = client.v1.payment_methods.attach("pm_card_visa", params={"customer": theirs.id})
    before = event_types(client)
    with pytest.raises(stripe.InvalidRequestError):
        intent(client, customer=ours.id, payment_method=method.id, confirm=True,
               return_url=RETURN_URL)
    assert client.v1.payment_intents.list().data == []
    assert event_types(client) == before


def test_a_bad_expand_undoes_the_work_and_its_timed_settlement(client, control, receiver):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        intent(client, payment_method="pm_card_sandbox_processing", confirm=True,
               return_url=RETURN_URL, expand=["no_such_field"])
    assert caught.value.param == "expand"
    control.advance(3600)  # when the processing payment would have settled
    assert client.v1.payment_intents.list().data == []
    assert client.v1.charges.list().data == []
    assert event_types(client) == []
    control.wait_for_deliveries()
    assert receiver.received == []


def test_a_decline_is_kept_as_stripe_keeps_it(client, control, receiver):
    with pytest.raises(stripe.CardError) as caught:
        intent(client, payment_method="pm_card_visa_chargeDeclined", confirm=True,
               return_url=RETURN_URL)
    declined = client.v1.payment_intents.retrieve(caught.value.json_body["error"]
                                                  ["payment_intent"]["id"])
    assert declined.status == "requires_payment_method"
    assert declined.last_payment_error.decline_code == "generic_decline"
    assert client.v1.charges.retrieve(declined.latest_charge).status == "failed"
    sent = ["payment_intent.created", "charge.failed", "payment_intent.payment_failed"]
    assert event_types(client) == sent
    control.wait_for_deliveries()
    assert sorted(item["event"]["type"] for item in receiver.received) == sorted(sent)


def test_a_declined_setup_is_kept_too(client):
    customer = client.v1.customers.create()
    setup = client.v1.setup_intents.create(params={"customer": customer.id})
    with pytest.raises(stripe.CardError):
        client.v1.setup_intents.confirm(setup.id, params={
            "payment_method": "pm_card_visa_chargeDeclined", "return_url": RETURN_URL})
    after = client.v1.setup_intents.retrieve(setup.id)
    assert after.status == "requires_payment_method"
    assert after.last_setup_error.code == "card_declined"
    assert after.last_setup_error.doc_url == "https://stripe.com/docs/error-codes/card-declined"
    assert event_types(client)[-1] == "setup_intent.setup_failed"
