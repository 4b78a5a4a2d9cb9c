"""One customer's cards changed from two tabs at once: every click gets an answer in
words, never an error page, and the shop's cards end as Stripe holds them, with one
default."""

import json
import re
import secrets
import threading

import pytest
from sqlalchemy import event

from shop.extensions import db
from shop.models import SavedCard, StripeEvent, User
from shop.services import cards
from tests.conftest import POSTGRES_URL
from tests.payments_support import eventually, reload, signed


@pytest.fixture
def two_cards(customer, cards_page):
    """A signed-in customer with a Visa (the default) and a Mastercard."""
    user = customer()
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_mastercard")
    visa, mastercard = sorted(cards.all_cards(user), key=lambda card: card.id)
    return user, visa, mastercard


def other_tab(app, client):
    """Another tab of the same browser: the same signed-in session."""
    tab = app.test_client()
    tab.set_cookie("session", client.get_cookie("session").value)
    return tab


class When:
    """Run `then` once, just before the first statement that `matches`: another tab's
    request landing at that moment of this one."""

    def __init__(self, matches, then):
        self.matches, self.then, self.done = matches, then, []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._check)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._check)

    def _check(self, connection, cursor, statement, *args) -> None:
        if not self.done and self.matches(statement):
            self.done.append("running")  # the other request's statements must not rerun it
            self.done[0] = self.then()


def locking_the_cards(statement: str) -> bool:
    """The statement with which a request takes the customer's lock on their cards
    (SQLite: a no-op write; PostgreSQL: FOR NO KEY UPDATE)."""
    return re.match(r'UPDATE "?user"? SET id', statement) is not None or (
        "FOR NO KEY UPDATE" in statement and 'FROM "user"' in statement)


def flashes(client) -> list[str]:
    page = client.get("/account/cards").get_data(as_text=True)
    return re.findall(r'class="flash flash-\w+"[^>]*>(.*?)<', page)


def defaults_here_and_at_stripe(user, stripe_api) -> tuple[list[str], str | None]:
    here = db.session.execute(
        db.select(SavedCard.stripe_payment_method_id)
        .where(SavedCard.user_id == user.id, SavedCard.is_default)).scalars().all()
    customer_id = db.session.get(User, user.id).stripe_customer_id
    at_stripe = stripe_api.v1.customers.retrieve(customer_id)["invoice_settings"]
    return here, at_stripe["default_payment_method"]


def test_make_default_on_a_card_removed_in_another_tab_meanwhile_says_so(
    app, client, two_cards, stripe_api
):
    user, visa, mastercard = two_cards
    mastercard_id, pm = mastercard.id, mastercard.stripe_payment_method_id
    remove = other_tab(app, client)

    with When(locking_the_cards,
              lambda: remove.post(f"/account/cards/{mastercard_id}/remove").status_code) as w:
        response = client.post(f"/account/cards/{mastercard_id}/default")

    assert w.done == [302]
    assert response.status_code == 302
    assert "This card is no longer saved; choose another card." in flashes(client)
    assert db.session.get(SavedCard, mastercard_id) is None
    assert stripe_api.v1.payment_methods.retrieve(pm)["customer"] is None
    assert defaults_here_and_at_stripe(user, stripe_api) == (
        [visa.stripe_payment_method_id], visa.stripe_payment_method_id)


def test_paying_with_a_card_removed_in_another_tab_meanwhile_asks_for_another(
    app, client, two_cards, shopper, make_product, stripe_api
):
    user, _, mastercard = two_cards
    mastercard_id = mastercard.id
    order = shopper.checkout((make_product(price_minor=1500), 1), email=user.email)
    remove = other_tab(app, client)
    reads = []

    def second_read_of_the_card(statement: str) -> bool:
        if statement.startswith("SELECT") and "FROM saved_card" in statement and \
                "saved_card.id = " in statement:
            reads.append(statement)
        return len(reads) == 2  # after the click's intent is on record

    with When(second_read_of_the_card,
              lambda: remove.post(f"/account/cards/{mastercard_id}/remove").status_code) as w:
        response = client.post(f"/orders/{order.number}/saved-card",
                               json={"card_id": mastercard_id, "attempt": secrets.token_hex(16)})

    assert w.done == [302]
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "That card is no longer available. Choose another card or enter a new one.",
        "card_gone": True}
    assert reload(order).status == "pending"
    assert stripe_api.v1.charges.list({"limit": 10})["data"] == []


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")
def test_two_tabs_choosing_different_defaults_at_once_both_get_an_answer(
    app, client, two_cards, cards_page, stripe_api
):
    user, _, mastercard = two_cards
    cards_page.add("pm_card_amex")
    amex = cards.all_cards(user)[-1]  # the newest
    mastercard_id, amex_id, amex_pm = mastercard.id, amex.id, amex.stripe_payment_method_id
    other = other_tab(app, client)
    answers = {}
    other_click = threading.Thread(target=lambda: answers.update(
        other=other.post(f"/account/cards/{amex_id}/default").status_code))
    this_request = threading.current_thread()

    def read_the_cards(connection, cursor, statement, *args) -> None:
        # This click has read the customer's cards: the other tab's click goes now,
        # and is given a moment to finish (it may wait for this one instead).
        if (threading.current_thread() is this_request and not other_click.is_alive()
                and not answers and "FROM saved_card" in statement
                and "ORDER BY saved_card.is_default DESC" in statement):
            other_click.start()
            other_click.join(timeout=1.5)

    event.listen(db.engine, "after_cursor_execute", read_the_cards)
    try:
        answers["this"] = client.post(f"/account/cards/{mastercard_id}/default").status_code
    finally:
        event.remove(db.engine, "after_cursor_execute", read_the_cards)
    other_click.join(timeout=10)

    assert answers == {"this": 302, "other": 302}
    db.session.expire_all()
    # The click that got the cards last chose the default, here and at Stripe alike.
    assert defaults_here_and_at_stripe(user, stripe_api) == ([amex_pm], amex_pm)


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")
def test_a_default_chosen_at_stripe_for_a_card_removed_here_meanwhile_changes_nothing(
    app, client, two_cards, stripe_api
):
    user, _, mastercard = two_cards
    mastercard_id = mastercard.id
    stripe_api.v1.customers.update(user.stripe_customer_id, params={
        "invoice_settings": {"default_payment_method": mastercard.stripe_payment_method_id}})
    [chosen] = stripe_api.v1.events.list({"type": "customer.updated", "limit": 1}).data
    payload = json.dumps(chosen.to_dict()).encode()
    remove = other_tab(app, client)

    # The customer removes the card just as Stripe's event about it is being handled (on
    # SQLite the event's inbox row already holds the write lock by then).
    with When(locking_the_cards,
              lambda: remove.post(f"/account/cards/{mastercard_id}/remove").status_code) as w:
        delivered = app.test_client().post(
            "/webhooks/stripe", data=payload,
            headers={"Stripe-Signature": signed(payload), "Content-Type": "application/json"})

    assert w.done == [302]
    assert delivered.status_code == 200
    assert db.session.get(StripeEvent, chosen["id"]).status == "ignored"
    db.session.expire_all()
    assert [(card.last4, card.is_default) for card in cards.all_cards(user)] == [("4242", True)]


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")
def test_a_card_change_waiting_on_stripe_does_not_hold_up_the_customers_checkout(
    app, client, two_cards, shopper, make_product, sandbox
):
    user, _, mastercard = two_cards
    mastercard_id = mastercard.id
    mug = make_product(name="Mug", stock=5)
    # Stripe takes its time over the default; the customer checks out meanwhile.
    sandbox.control.fault(f"/v1/customers/{user.stripe_customer_id}", mode="slow",
                          seconds=3, method="POST")
    tab = other_tab(app, client)
    change = threading.Thread(
        target=lambda: tab.post(f"/account/cards/{mastercard_id}/default"))
    change.start()
    try:
        eventually(lambda: not sandbox.control.faults(), "the card change reached Stripe")

        order = shopper.checkout((mug, 1), email=user.email)

        assert change.is_alive()  # the card change still waits on Stripe
    finally:
        change.join(timeout=15)
    assert order.user_id == user.id
    db.session.expire_all()
    assert db.session.get(SavedCard, mastercard_id).is_default
