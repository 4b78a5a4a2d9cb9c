"""PaymentMethods: card details (Luhn, expiry, CVC), attach, detach, lists, single use."""

import pytest
import stripe

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}


def card_method(client, **card):
    return client.v1.payment_methods.create(params={
        "type": "card", "card": {**CARD, **card},
        "billing_details": {"address": {"postal_code": "94107"}, "name": "Ada"}})


def test_create_from_details(client):
    pm = card_method(client)
    assert pm.id.startswith("pm_")
    assert pm.type == "card"
    assert pm.customer is None
    assert pm.card.brand == "visa" and pm.card.display_brand == "visa"
    assert (pm.card.last4, pm.card.exp_month, pm.card.exp_year) == ("4242", 12, 2040)
    assert pm.card.checks.cvc_check == "pass"
    assert pm.card.country == "US"
    assert pm.billing_details.address.postal_code == "94107"
    assert pm.billing_details.name == "Ada"
    assert pm.card.three_d_secure_usage.supported is True


@pytest.mark.parametrize(("number", "cvc", "brand", "display_brand"), [
    ("4242424242424242", "123", "visa", "visa"),
    ("5555555555554444", "123", "mastercard", "mastercard"),
    ("378282246310005", "1234", "amex", "american_express"),
    ("6011111111111117", "123", "discover", "discover"),
    ("3056930009020004", "123", "diners", "diners_club"),
    ("3566002020360505", "123", "jcb", "jcb"),
    ("6200000000000005", "123", "unionpay", "union_pay"),
])
def test_display_brand_spells_the_brand_out(client, number, cvc, brand, display_brand):
    pm = card_method(client, number=number, cvc=cvc)
    assert (pm.card.brand, pm.card.display_brand) == (brand, display_brand)


def test_fingerprint_is_stable_per_number(client):
    a, b = card_method(client), card_method(client)
    other = card_method(client, number="5555555555554444")
    assert a.card.fingerprint == b.card.fingerprint
    assert a.card.fingerprint != other.card.fingerprint
    assert len(a.card.fingerprint) == 16


def test_two_digit_year_becomes_four(client):
    assert card_method(client, exp_year=41).card.exp_year == 2041


def test_amex_needs_four_digit_cvc(client):
    assert card_method(client, number="378282246310005", cvc="1234").card.brand == "amex"
    with pytest.raises(stripe.CardError) as caught:
        card_method(client, number="378282246310005", cvc="123")
    assert caught.value.code == "invalid_cvc"


def test_luhn_failure(client):
    with pytest.raises(stripe.CardError) as caught:
        card_method(client, number="4242424242424241")
    assert caught.value.http_status == 402
    assert caught.value.code == "incorrect_number"
    assert caught.value.user_message == "Your card number is incorrect."


FULL_WIDTH_4242 = "\uff14\uff12\uff14\uff12" * 4


@pytest.mark.parametrize("number", [
    FULL_WIDTH_4242,
    "424242424242424\u00b2",  # superscript two: a digit to str.isdigit(), not to int()
    "\u0664\u0662\u0664\u0662" * 4,  # Arabic-Indic digits
])
def test_only_ascii_digits_make_a_card_number(client, number):
    with pytest.raises(stripe.CardError) as caught:
        card_method(client, number=number)
    assert caught.value.http_status == 402
    assert caught.value.code == "incorrect_number"
    assert caught.value.param == "number"
    assert caught.value.user_message == "Your card number is incorrect."


@pytest.mark.parametrize("cvc", ["\uff11\uff12\uff13", "12\u00b3", "\u0661\u0662\u0663"])
def test_only_ascii_digits_make_a_cvc(client, cvc):
    with pytest.raises(stripe.CardError) as caught:
        card_method(client, cvc=cvc)
    assert caught.value.http_status == 402
    assert caught.value.code == "invalid_cvc"
    assert caught.value.param == "cvc"
    assert caught.value.user_message == "Your card's security code is invalid."


@pytest.mark.parametrize(("card", "code"), [
    ({"exp_month": 13}, "invalid_expiry_month"),
    ({"exp_year": 2001}, "invalid_expiry_year"),
    ({"cvc": "12a"}, "invalid_cvc"),
])
def test_bad_details(client, card, code):
    with pytest.raises(stripe.CardError) as caught:
        card_method(client, **card)
    assert caught.value.code == code


def test_missing_number(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_methods.create(params={"type": "card", "card": {"exp_month": 1}})
    assert caught.value.param == "card[number]"


def test_unknown_id_404(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_methods.retrieve("pm_nope")
    assert caught.value.http_status == 404
    assert caught.value.user_message == "No such PaymentMethod: 'pm_nope'"


def test_attach_detach_and_lists(client):
    customer = client.v1.customers.create()
    pm = card_method(client)
    attached = client.v1.payment_methods.attach(pm.id, params={"customer": customer.id})
    assert attached.customer == customer.id
    other = client.v1.payment_methods.attach("pm_card_mastercard",
                                             params={"customer": customer.id})
    by_route = client.v1.customers.payment_methods.list(customer.id, params={"type": "card"})
    by_filter = client.v1.payment_methods.list(params={"customer": customer.id, "type": "card"})
    assert [m.id for m in by_route.data] == [other.id, pm.id]
    assert [m.id for m in by_filter.data] == [other.id, pm.id]
    detached = client.v1.payment_methods.detach(pm.id)
    assert detached.customer is None
    event = client.v1.events.list(params={"type": "payment_method.detached"}).data[0]
    assert event.data.previous_attributes.customer == customer.id
    remaining = client.v1.customers.payment_methods.list(customer.id)
    assert [m.id for m in remaining.data] == [other.id]


def test_detached_method_cannot_be_used_again(client, pay):
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    client.v1.payment_methods.detach(pm.id)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        pay(pm.id)
    assert "may not be used again" in caught.value.user_message
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_methods.attach(pm.id, params={"customer": customer.id})


def test_a_deleted_customers_method_can_still_be_detached(client):
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    client.v1.customers.delete(customer.id)
    detached = client.v1.payment_methods.detach(pm.id)
    assert detached.customer is None
    assert client.v1.payment_methods.retrieve(pm.id).customer is None
    types = [e.type for e in client.v1.events.list(params={"limit": 2}).data]
    assert types == ["payment_method.detached", "customer.deleted"]
    event = client.v1.events.list(params={"type": "payment_method.detached"}).data[0]
    assert event.data.previous_attributes.customer == customer.id
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_methods.detach(pm.id)
    assert "not attached to a customer" in caught.value.user_message


def test_single_use_without_customer(client, pay):
    pm = card_method(client)
    assert pay(pm.id).status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        pay(pm.id)
    assert caught.value.user_message == (
        "This PaymentMethod was previously used without being attached to a Customer or was "
        "detached from a Customer, and may not be used again.")


def test_method_saved_without_customer_can_be_attached_after_paying(client, pay):
    intent = pay("pm_card_visa", setup_future_usage="off_session")
    assert intent.status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError, match="previously used"):
        pay(intent.payment_method)  # not before it belongs to someone
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.attach(intent.payment_method,
                                          params={"customer": customer.id})
    assert pm.customer == customer.id
    again = pay(pm.id, customer=customer.id, off_session=True)
    assert again.status == "succeeded"


def test_method_used_without_saving_cannot_be_attached(client, pay):
    intent = pay("pm_card_visa")
    customer = client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError, match="previously used"):
        client.v1.payment_methods.attach(intent.payment_method,
                                         params={"customer": customer.id})


def test_attached_method_reusable_only_with_its_customer(client, pay):
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    assert pay(pm.id, customer=customer.id).status == "succeeded"
    assert pay(pm.id, customer=customer.id).status == "succeeded"
    stranger = client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError):
        pay(pm.id, customer=stranger.id)


def test_attach_to_unknown_customer(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_methods.attach("pm_card_visa", params={"customer": "cus_nope"})
    assert caught.value.http_status == 404
    assert caught.value.param == "customer"


def test_update_emits_event(client):
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    updated = client.v1.payment_methods.update(
        pm.id, params={"billing_details": {"name": "Grace"}, "card": {"exp_year": 2045}})
    assert updated.billing_details.name == "Grace"
    assert updated.card.exp_year == 2045
    event = client.v1.events.list(params={"type": "payment_method.updated"}).data[0]
    assert "billing_details" in event.data.previous_attributes
