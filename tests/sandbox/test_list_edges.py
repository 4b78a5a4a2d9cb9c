"""List edges (SANDBOX.md §0, §1, §3, §6): has_more exactly at a page boundary in every
direction, the created filter's eq and lte bounds, deleted customers left out, an unknown
cursor refused, and an id of another kind being no such object."""

import pytest
import stripe


def customers(client, count):
    """``count`` customers, newest first."""
    return list(reversed([client.v1.customers.create().id for _ in range(count)]))


def test_has_more_is_false_when_the_page_ends_exactly_at_the_last(client):
    ids = customers(client, 3)
    first = client.v1.customers.list(params={"limit": 3})
    assert [c.id for c in first.data] == ids
    assert first.has_more is False
    after = client.v1.customers.list(params={"limit": 2, "starting_after": ids[0]})
    assert [c.id for c in after.data] == ids[1:]
    assert after.has_more is False
    before = client.v1.customers.list(params={"limit": 2, "ending_before": ids[2]})
    assert [c.id for c in before.data] == ids[:2]
    assert before.has_more is False


def test_created_eq_and_lte(client, control):
    old = client.v1.customers.create()
    control.advance(100)
    new = client.v1.customers.create()
    assert old.created < new.created
    exactly = client.v1.customers.list(params={"created": old.created})
    assert [c.id for c in exactly.data] == [old.id]
    up_to = client.v1.customers.list(params={"created": {"lte": old.created}})
    assert [c.id for c in up_to.data] == [old.id]
    up_to_new = client.v1.customers.list(params={"created": {"lte": new.created}})
    assert [c.id for c in up_to_new.data] == [new.id, old.id]


def test_deleted_customers_are_not_listed(client):
    kept, gone = client.v1.customers.create(), client.v1.customers.create()
    client.v1.customers.delete(gone.id)
    assert [c.id for c in client.v1.customers.list().data] == [kept.id]


def test_an_unknown_cursor_is_refused(client):
    customers(client, 2)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.list(params={"starting_after": "cus_missing"})
    assert caught.value.http_status == 404
    assert (caught.value.code, caught.value.param) == ("resource_missing", "starting_after")


def test_an_id_of_another_kind_is_no_such_object(client, pay):
    customer = client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.retrieve(customer.id)
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"
    assert caught.value.user_message == f"No such payment_intent: '{customer.id}'"
    intent = pay()
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.customers.retrieve(intent.id)
    assert refused.value.http_status == 404
