"""Saving a card while paying, and paying the next order with it."""

import json
import secrets

import pytest
from sqlalchemy import event

from shop.extensions import db
from shop.models import User
from shop.services import cards
from tests.conftest import AuthActions
from tests.payments_support import reload, signed

CARD_UNAVAILABLE = "That card is no longer available. Choose another card or enter a new one."


@pytest.fixture
def product(make_product):
    return make_product(name="Enamel mug", price_minor=2400, stock=20)


def _pay_with(shopper, order, card, attempt=None):
    """The pay page's click on a saved card; each click names a new attempt."""
    attempt = attempt or secrets.token_hex(16)
    return shopper.client.post(f"/orders/{order.number}/saved-card",
                               json={"card_id": card.id, "attempt": attempt})


def test_saving_while_paying_keeps_one_card_the_default(customer, shopper, product, stripe_api):
    user = customer()
    order = shopper.checkout((product, 1), email=user.email)

    response, error, _ = shopper.pay(order, "pm_card_visa", save_card=True)

    assert error is None and response.get_json()["status"] == "paid"
    [card] = cards.all_cards(user)
    assert card.is_default and card.last4 == "4242"
    customer_id = db.session.get(User, user.id).stripe_customer_id
    at_stripe = stripe_api.v1.payment_methods.retrieve(card.stripe_payment_method_id)
    assert at_stripe["customer"] == customer_id

    # Paying again with the same card and the box ticked does not list it twice.
    second = shopper.checkout((product, 1), email=user.email)
    shopper.pay(second, "pm_card_visa", save_card=True)
    assert [saved.id for saved in cards.all_cards(user)] == [card.id]
    attached = stripe_api.v1.customers.payment_methods.list(customer_id, params={"type": "card"})
    assert [pm["id"] for pm in attached.data] == [card.stripe_payment_method_id]


def test_a_card_stripe_cannot_show_now_does_not_undo_the_payment(
    customer, shopper, product, sandbox, deliver
):
    user = customer()
    order = shopper.checkout((product, 1), email=user.email)
    started = shopper.start(order, save_card=True).get_json()
    confirmed, error = shopper.confirm_at_stripe(started, "pm_card_visa")
    assert error is None and confirmed["status"] == "succeeded"
    # Reading the card back fails, retries included, just as the page reports the payment.
    sandbox.control.fault("/v1/payment_methods/", mode="error", count=10, method="GET")

    response = shopper.report(order, started["intent_id"])

    assert response.status_code == 200 and response.get_json()["status"] == "paid"
    assert reload(order).status == "paid"
    assert cards.all_cards(user) == []
    sandbox.control.clear_faults()
    # Stripe's own event about the attached card brings it in.
    deliver("payment_method.attached", confirmed["payment_method"])
    [card] = cards.all_cards(user)
    assert card.last4 == "4242"


def test_without_the_box_nothing_is_saved(customer, shopper, product):
    user = customer()
    order = shopper.checkout((product, 1), email=user.email)
    shopper.pay(order, "pm_card_visa", save_card=False)
    assert cards.all_cards(user) == []


def test_pay_with_a_saved_4242(customer, cards_page, shopper, product):
    user = customer()
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(user)
    order = shopper.checkout((product, 1), email=user.email)

    response = _pay_with(shopper, order, card)

    assert response.status_code == 200 and response.get_json()["status"] == "succeeded"
    assert reload(order).status == "paid"


def test_a_saved_0341_is_declined_with_the_message_and_a_new_card_still_works(
    customer, cards_page, shopper, product
):
    user = customer()
    cards_page.add("pm_card_chargeCustomerFail")  # attaches fine, every charge fails
    [card] = cards.all_cards(user)
    order = shopper.checkout((product, 1), email=user.email)

    response = _pay_with(shopper, order, card)

    assert response.status_code == 402
    assert response.get_json()["error"] == "Your card was declined."
    assert reload(order).status == "pending"
    confirmed, error, _ = shopper.pay(order, "pm_card_visa")
    assert error is None and confirmed.get_json()["status"] == "paid"


def test_a_3155_set_up_first_pays_without_a_challenge(
    customer, cards_page, shopper, product, client, sandbox
):
    user = customer()
    secret = cards_page.start().get_json()["client_secret"]
    setup = cards_page.confirm(secret, "pm_card_authenticationRequiredOnSetup")
    assert setup["status"] == "requires_action"  # authentication happens once, at setup
    sandbox.control.authenticate(setup["id"], "complete", client_secret=secret)
    client.get(f"/account/cards/added?setup_intent={setup['id']}")
    [card] = cards.all_cards(user)
    assert card.last4 == "3155"
    order = shopper.checkout((product, 1), email=user.email)

    response = _pay_with(shopper, order, card)

    assert response.get_json()["status"] == "succeeded"
    assert reload(order).status == "paid"


@pytest.fixture
def saved_3184(customer, cards_page, shopper, product, client, sandbox):
    """A customer's saved 3184 card (authenticated once, at setup, yet every payment
    asks for a challenge) and a new order of theirs: (card, order)."""
    user = customer()
    secret = cards_page.start().get_json()["client_secret"]
    setup = cards_page.confirm(secret, "pm_card_authenticationRequired")
    sandbox.control.authenticate(setup["id"], "complete", client_secret=secret)
    client.get(f"/account/cards/added?setup_intent={setup['id']}")
    [card] = cards.all_cards(user)
    return card, shopper.checkout((product, 1), email=user.email)


def test_a_saved_3184_asks_for_a_challenge_when_paying(saved_3184, shopper, sandbox):
    card, order = saved_3184

    answer = _pay_with(shopper, order, card).get_json()

    assert answer["status"] == "requires_action"  # the page now runs handleNextAction
    assert reload(order).status == "pending"
    sandbox.control.authenticate(answer["intent_id"], "complete")
    assert shopper.report(order, answer["intent_id"]).get_json()["status"] == "paid"


def test_after_a_failed_challenge_the_same_saved_card_can_be_tried_again(
    saved_3184, shopper, sandbox, stripe_api
):
    card, order = saved_3184
    first = _pay_with(shopper, order, card).get_json()
    sandbox.control.authenticate(first["intent_id"], "fail")  # the customer fails the challenge
    assert shopper.report(order, first["intent_id"]).get_json()["status"] == "pending"

    again = _pay_with(shopper, order, card).get_json()  # the same card, a new click

    assert again["status"] == "requires_action"
    at_stripe = stripe_api.v1.payment_intents.retrieve(again["intent_id"])
    assert at_stripe["status"] == "requires_action"  # a new challenge, not the old answer
    sandbox.control.authenticate(again["intent_id"], "complete")
    assert shopper.report(order, again["intent_id"]).get_json()["status"] == "paid"


def test_a_click_without_its_attempt_key_pays_nothing(
    customer, cards_page, shopper, product, stripe_api
):
    user = customer()
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(user)
    order = shopper.checkout((product, 1), email=user.email)

    response = shopper.client.post(f"/orders/{order.number}/saved-card",
                                   json={"card_id": card.id})

    assert response.status_code == 400
    assert response.get_json()["error"] == "Reload the page and try again."
    assert reload(order).status == "pending" and reload(order).payments == []


def test_paying_with_another_users_card_is_404(make_user, auth, cards_page, shopper, product):
    owner = make_user(email="owner@example.com", password="owner-pass-1")
    auth.login("owner@example.com", "owner-pass-1")
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(owner)
    auth.logout()
    make_user(email="intruder@example.com", password="intruder-pass")
    auth.login("intruder@example.com", "intruder-pass")
    order = shopper.checkout((product, 1), email="intruder@example.com")

    response = _pay_with(shopper, order, card)

    assert response.status_code == 404
    # as for a missing card
    assert response.get_json() == {"error": CARD_UNAVAILABLE, "card_gone": True}
    assert reload(order).status == "pending" and reload(order).payments == []


def test_nobody_can_save_a_card_or_pay_with_theirs_on_someone_elses_order(
    make_user, auth, cards_page, shopper, product, stripe_api
):
    # Ann's order, as a guest; the browser that can open it (a shared signed link, or
    # the same computer) is then signed in to Mallory's account.
    order = shopper.checkout((product, 1), email="ann@example.com")
    make_user(email="mallory@example.com", password="mallory-pass")
    auth.login("mallory@example.com", "mallory-pass")
    cards_page.add("pm_card_visa")
    [mallorys_card] = cards.all_cards(db.session.execute(
        db.select(User).where(User.email == "mallory@example.com")).scalar_one())
    assert reload(order).user_id is None  # not hers: another address

    page = shopper.client.get(f"/orders/{order.number}/pay").get_data(as_text=True)
    started = shopper.start(order, save_card=True)
    paid = _pay_with(shopper, order, mallorys_card)

    for text in ("payment_choice", "save_card", "Save this card"):
        assert text not in page
    assert started.status_code == 200
    intent = stripe_api.v1.payment_intents.retrieve(started.get_json()["intent_id"])
    assert (intent.customer, intent.setup_future_usage) == (None, None)  # Ann's card stays hers
    assert paid.status_code == 404 and paid.get_json()["card_gone"] is True
    assert intent.status == "requires_payment_method"


def test_a_card_removed_in_another_tab_asks_for_another_card(
    customer, cards_page, shopper, product
):
    user = customer()
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(user)
    card_id = card.id
    order = shopper.checkout((product, 1), email=user.email)
    shopper.client.get(f"/orders/{order.number}/pay")  # the card is offered
    shopper.client.post(f"/account/cards/{card_id}/remove")  # in another tab

    response = shopper.client.post(f"/orders/{order.number}/saved-card",
                                   json={"card_id": card_id, "attempt": secrets.token_hex(16)})

    assert response.status_code == 404
    assert response.get_json() == {"error": CARD_UNAVAILABLE, "card_gone": True}
    assert reload(order).status == "pending" and reload(order).payments == []


def test_the_pay_page_offers_saved_cards_with_the_default_chosen(
    customer, cards_page, shopper, product
):
    user = customer()
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_mastercard")
    visa, _ = sorted(cards.all_cards(user), key=lambda card: card.id)
    order = shopper.checkout((product, 1), email=user.email)

    page = shopper.client.get(f"/orders/{order.number}/pay").get_data(as_text=True)

    assert "<legend>Payment method</legend>" in page
    assert f'name="payment_choice" value="{visa.id}" checked' in page
    assert "(Default)" in page and "Use a new card" in page
    assert 'name="save_card"' in page and "Save this card for future purchases" in page


def test_a_guest_sees_no_saved_card_choices(shopper, product):
    order = shopper.checkout((product, 1), email="guest@example.com")

    page = shopper.client.get(f"/orders/{order.number}/pay").get_data(as_text=True)

    assert page.count("payment-element") >= 1
    for text in ("payment_choice", "save_card", "Save this card", "Payment method<"):
        assert text not in page


def test_the_pay_page_offers_saved_cards_without_asking_stripe(
    customer, cards_page, shopper, product, sandbox
):
    user = customer()
    cards_page.add("pm_card_visa")
    order = shopper.checkout((product, 1), email=user.email)
    sandbox.control.fault("/v1/", mode="error", count=100)  # any call to Stripe would fail
    try:
        page = shopper.client.get(f"/orders/{order.number}/pay").get_data(as_text=True)
    finally:
        sandbox.control.clear_faults()
    [card] = cards.all_cards(user)
    assert f'value="{card.id}" checked' in page and "4242" in page and "(Default)" in page


def test_a_saved_card_payment_whose_answer_cannot_be_read_again_stays_paid(
    customer, cards_page, shopper, product, sandbox, stripe_api
):
    user = customer()
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(user)
    order = shopper.checkout((product, 1), email=user.email)
    # Reading intents from Stripe fails, retries included; confirming still works.
    sandbox.control.fault("/v1/payment_intents/", "error", count=3, method="GET")

    response = _pay_with(shopper, order, card)

    assert response.status_code == 200, response.get_json()
    [intent] = stripe_api.v1.payment_intents.list().data
    assert intent.status == "succeeded"
    order = reload(order)
    assert order.status == "paid"  # the confirm's own answer says so
    assert [p.intent_id for p in order.payments] == [intent.id]


def test_unticking_save_after_leaving_a_banks_page_saves_nothing(
    customer, shopper, product
):
    user = customer()
    order = shopper.checkout((product, 1), email=user.email)
    ticked = shopper.start(order, save_card=True).get_json()
    checking, _ = shopper.confirm_at_stripe(ticked, "pm_card_authenticationRequired")
    assert checking["status"] == "requires_action"  # the customer leaves the bank's page
    unticked = shopper.start(order, save_card=False).get_json()  # and pays another card

    shopper.confirm_at_stripe(unticked, "pm_card_visa")
    shopper.report(order, unticked["intent_id"])

    assert reload(order).status == "paid"
    assert cards.all_cards(user) == []  # not signed up for payments without them


def test_a_click_that_waits_while_another_tab_pays_goes_to_the_paid_order(
    app, customer, cards_page, shopper, product, stripe_api
):
    """Two tabs pay at once. The saved-card click waits on the order while the other
    tab's payment lands (here Stripe's webhook for it): it is sent to the paid order,
    not left on a form with Pay enabled, and nothing is charged twice."""
    user = customer()
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(user)
    order = shopper.checkout((product, 1), email=user.email)
    started = shopper.start(order).get_json()  # the other tab
    confirmed, error = shopper.confirm_at_stripe(started, "pm_card_visa")
    assert error is None and confirmed["status"] == "succeeded"
    [succeeded] = [e for e in stripe_api.v1.events.list({"type": "payment_intent.succeeded"})
                   if e["data"]["object"]["id"] == started["intent_id"]]
    payload = json.dumps(succeeded.to_dict()).encode()
    landed = []

    def webhook_lands(connection, cursor, statement, *args) -> None:
        # The click's lock on the order (SQLite: a no-op write; PostgreSQL: FOR UPDATE).
        locking = statement.startswith('UPDATE "order" SET id') or (
            statement.startswith("SELECT") and "FOR UPDATE" in statement
            and 'FROM "order"' in statement)
        if locking and not landed:
            landed.append("landing")  # the webhook's own lock must not land it again
            landed[0] = app.test_client().post(
                "/webhooks/stripe", data=payload,
                headers={"Stripe-Signature": signed(payload),
                         "Content-Type": "application/json"}).status_code

    event.listen(db.engine, "before_cursor_execute", webhook_lands)
    try:
        response = _pay_with(shopper, order, card)
    finally:
        event.remove(db.engine, "before_cursor_execute", webhook_lands)

    assert landed == [200]
    assert response.status_code == 409
    assert response.get_json() == {
        "error": "This order is paid; there is nothing left to pay.",
        "redirect": f"/orders/{order.number}"}
    assert reload(order).status == "paid"
    charges = stripe_api.v1.charges.list({"limit": 10})["data"]
    assert [charge["payment_intent"] for charge in charges] == [started["intent_id"]]


def test_a_saved_card_declined_with_no_webhook_to_follow_is_on_the_order(
    customer, cards_page, shopper, product, make_user, app
):
    user = customer()
    cards_page.add("pm_card_chargeCustomerFail")  # attaches fine, every charge fails
    [card] = cards.all_cards(user)
    order = shopper.checkout((product, 1), email=user.email)

    response = _pay_with(shopper, order, card)  # Stripe's webhooks never arrive

    assert response.status_code == 402
    order = reload(order)
    failures = [e.message for e in order.events if e.kind == "payment_failed"]
    assert len(failures) == 1 and "Your card was declined." in failures[0]
    [payment] = order.payments
    assert payment.failure_code == "generic_decline"
    make_user(email="boss@example.com", password="boss-password", is_admin=True)
    admin = app.test_client()
    AuthActions(admin).login("boss@example.com", "boss-password")
    page = admin.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    assert "<code>generic_decline</code> Your card was declined." in page
