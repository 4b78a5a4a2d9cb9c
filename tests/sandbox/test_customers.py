"""Customers through the real SDK: create, retrieve, update, delete, list, default method."""

import pytest
import stripe


def test_create_and_retrieve(client):
    customer = client.v1.customers.create(
        params={"email": "ada@example.com", "name": "Ada", "metadata": {"user_id": "7"}})
    assert customer.id.startswith("cus_")
    again = client.v1.customers.retrieve(customer.id)
    assert again.email == "ada@example.com"
    assert again.name == "Ada"
    assert again.metadata.to_dict() == {"user_id": "7"}
    assert again.invoice_settings.default_payment_method is None
    assert again.livemode is False


def test_update_merges_metadata_and_empty_string_unsets(client):
    customer = client.v1.customers.create(params={"metadata": {"a": "1", "b": "2"},
                                                  "description": "first"})
    updated = client.v1.customers.update(
        customer.id, params={"metadata": {"a": "", "c": "3"}, "description": ""})
    assert updated.metadata.to_dict() == {"b": "2", "c": "3"}
    assert updated.description is None


def test_update_emits_previous_attributes(client):
    customer = client.v1.customers.create(params={"email": "old@example.com"})
    client.v1.customers.update(customer.id, params={"email": "new@example.com"})
    event = client.v1.events.list(params={"type": "customer.updated"}).data[0]
    assert event.data.object.email == "new@example.com"
    assert event.data.previous_attributes.email == "old@example.com"


def test_delete_then_retrieve_shows_deleted(client):
    customer = client.v1.customers.create()
    deleted = client.v1.customers.delete(customer.id)
    assert deleted.deleted is True
    assert client.v1.customers.retrieve(customer.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.update(customer.id, params={"name": "x"})
    assert caught.value.http_status == 404
    types = [e.type for e in client.v1.events.list().data]
    assert types[0] == "customer.deleted"


def test_list_filters_by_email_newest_first(client):
    first = client.v1.customers.create(params={"email": "x@example.com"})
    client.v1.customers.create(params={"email": "y@example.com"})
    second = client.v1.customers.create(params={"email": "x@example.com"})
    listed = client.v1.customers.list(params={"email": "x@example.com"})
    assert [c.id for c in listed.data] == [second.id, first.id]
    assert listed.url == "/v1/customers"


def test_unknown_customer_is_404(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.retrieve("cus_missing")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"
    assert "No such customer: 'cus_missing'" in str(caught.value)


def test_default_payment_method_must_be_attached(client):
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.update(
            customer.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    assert caught.value.http_status == 400
    assert str(caught.value.user_message) == (
        f"The customer does not have a payment method with the ID {pm.id}. "
        "The payment method must be attached to the customer.")
    client.v1.payment_methods.attach(pm.id, params={"customer": customer.id})
    updated = client.v1.customers.update(
        customer.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    assert updated.invoice_settings.default_payment_method == pm.id


def test_detaching_the_default_clears_it(client):
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    client.v1.customers.update(
        customer.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    client.v1.payment_methods.detach(pm.id)
    assert client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method is None
