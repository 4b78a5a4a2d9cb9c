"""Refunds (full, partial, errors, pending and failing cards) and disputes."""

import pytest
import stripe


def test_full_refund(client, pay):
    intent = pay()
    refund = client.v1.refunds.create(params={"payment_intent": intent.id,
                                              "reason": "requested_by_customer"})
    assert refund.id.startswith("re_")
    assert (refund.amount, refund.status, refund.charge) == (2000, "succeeded",
                                                             intent.latest_charge)
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert charge.amount_refunded == 2000 and charge.refunded is True
    types = [e.type for e in reversed(client.v1.events.list(params={"limit": 3}).data)]
    assert types == ["refund.created", "charge.refunded", "refund.updated"]


def test_partial_refunds_then_errors(client, pay):
    intent = pay()
    client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 500})
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (500, False)
    client.v1.refunds.create(params={"charge": intent.latest_charge})
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (2000, True)
    with pytest.raises(stripe.InvalidRequestError) as over:
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 2000})
    assert over.value.param == "amount"
    assert over.value.user_message == (
        "Refund amount ($20.00) is greater than unrefunded amount on charge ($0.00)")
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create(params={"payment_intent": intent.id})
    assert again.value.code == "charge_already_refunded"


def test_refund_list_and_retrieve(client, pay):
    intent = pay()
    first = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 100})
    second = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 200})
    listed = client.v1.refunds.list(params={"payment_intent": intent.id})
    assert [r.id for r in listed.data] == [second.id, first.id]
    assert client.v1.refunds.retrieve(first.id).amount == 100


@pytest.mark.parametrize(("currency", "paid", "between_steps", "on_a_step"), [
    ("kwd", 2000, 1005, 10), ("bhd", 2000, 15, 10), ("isk", 10000, 150, 100),
])
def test_refund_amounts_keep_the_currency_steps(client, pay, currency, paid,
                                                between_steps, on_a_step):
    with pytest.raises(stripe.InvalidRequestError) as as_intent:
        client.v1.payment_intents.create(params={
            "amount": between_steps + paid, "currency": currency,
            "payment_method_types": ["card"]})
    intent = pay(amount=paid, currency=currency)
    with pytest.raises(stripe.InvalidRequestError) as as_refund:
        client.v1.refunds.create(params={"payment_intent": intent.id,
                                         "amount": between_steps})
    assert as_refund.value.http_status == 400
    assert (as_refund.value.code, as_refund.value.param, as_refund.value.user_message) == (
        as_intent.value.code, as_intent.value.param, as_intent.value.user_message)
    assert as_refund.value.code == "invalid_amount"
    # On a step, a refund is made however small: the minimum charge is not for refunds.
    refund = client.v1.refunds.create(params={"payment_intent": intent.id,
                                              "amount": on_a_step})
    assert refund.amount == on_a_step
    assert client.v1.charges.retrieve(intent.latest_charge).amount_refunded == on_a_step


def test_a_refund_may_be_smaller_than_the_smallest_charge(client, pay):
    intent = pay()
    assert client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1}).amount == 1


def test_pending_refund_card(client, control, pay):
    intent = pay("pm_card_pendingRefund")
    refund = client.v1.refunds.create(params={"payment_intent": intent.id})
    assert refund.status == "pending"
    control.advance(5)
    assert client.v1.refunds.retrieve(refund.id).status == "succeeded"
    event = client.v1.events.list(params={"type": "refund.updated"}).data[0]
    assert event.data.object.status == "succeeded"
    assert event.data.previous_attributes.status == "pending"


def test_failing_refund_card(client, control, pay):
    intent = pay("pm_card_refundFail")
    refund = client.v1.refunds.create(params={"payment_intent": intent.id})
    assert refund.status == "succeeded"
    control.advance(5)
    failed = client.v1.refunds.retrieve(refund.id)
    assert failed.status == "failed"
    assert failed.failure_reason
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (0, False)
    types = [e.type for e in client.v1.events.list(params={"limit": 2}).data]
    assert types == ["refund.failed", "refund.updated"]


def test_refund_needs_a_successful_charge(client):
    intent = client.v1.payment_intents.create(params={
        "amount": 1000, "currency": "usd", "payment_method_types": ["card"]})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": intent.id})


def test_dispute_opened_and_closed_by_control(client, control, pay):
    intent = pay()
    dispute = control.create_dispute(intent.id, reason="product_not_received")
    assert dispute["reason"] == "product_not_received"
    fetched = client.v1.disputes.retrieve(dispute["id"])
    assert fetched.status == "needs_response"
    assert fetched.payment_intent == intent.id
    control.close_dispute(dispute["id"], "lost")
    assert client.v1.disputes.retrieve(dispute["id"]).status == "lost"
    types = [e.type for e in client.v1.events.list(params={"limit": 3}).data]
    assert types == ["charge.dispute.closed", "charge.dispute.updated",
                     "charge.dispute.created"]
    assert [d.id for d in client.v1.disputes.list().data] == [dispute["id"]]


def test_unknown_dispute(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.disputes.retrieve("du_nope")
    assert caught.value.http_status == 404


def test_a_charged_back_charge_cannot_be_refunded(client, control, pay):
    intent = pay()
    control.create_dispute(intent.id, reason="fraudulent")
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 500})
    assert refused.value.code == "charge_disputed"
    assert "has been charged back; cannot issue a refund" in refused.value.user_message
    assert client.v1.refunds.list(params={"payment_intent": intent.id}).data == []


def test_0259_under_manual_capture_is_disputed_once_captured(client, pay):
    intent = pay("pm_card_createDispute", capture_method="manual")
    assert intent.status == "requires_capture"
    assert client.v1.disputes.list().data == []  # nothing has been paid yet
    captured = client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 1500})
    assert captured.status == "succeeded"
    disputes = client.v1.disputes.list(params={"payment_intent": intent.id}).data
    assert [(d.reason, d.amount, d.charge) for d in disputes] == [
        ("fraudulent", 1500, intent.latest_charge)]
    assert client.v1.charges.retrieve(intent.latest_charge).disputed is True
    types = [e.type for e in reversed(client.v1.events.list(params={"limit": 3}).data)]
    assert types == ["charge.captured", "payment_intent.succeeded", "charge.dispute.created"]
