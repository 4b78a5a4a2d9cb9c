"""Stripe's card events keep SavedCard in step, whatever order they arrive in."""

from shop.extensions import db
from shop.models import SavedCard, StripeEvent, User
from shop.services import cards
from tests.payments_support import settle_webhooks


def _customer_id(user) -> str:
    return db.session.get(User, user.id).stripe_customer_id


def test_a_setup_that_never_returned_is_saved_by_the_webhook(
    customer, cards_page, sandbox, webhooks_on
):
    user = customer()
    secret = cards_page.start().get_json()["client_secret"]
    cards_page.confirm(secret, "pm_card_visa")  # the customer closes the tab here

    settle_webhooks(sandbox)

    [card] = cards.all_cards(user)
    assert card.last4 == "4242" and card.is_default
    handled = db.session.execute(
        db.select(StripeEvent.status).where(StripeEvent.type == "setup_intent.succeeded")
    ).scalar_one()
    assert handled == "processed"


def test_events_delivered_twice_and_reversed_still_list_the_card_once(
    customer, cards_page, sandbox, webhooks_on
):
    sandbox.control.webhook_behaviour(duplicate=1.0, reverse=4)
    user = customer()

    cards_page.add("pm_card_visa")
    settle_webhooks(sandbox)

    assert [card.last4 for card in cards.all_cards(user)] == ["4242"]


def test_a_card_detached_in_the_dashboard_disappears_and_the_next_becomes_default(
    customer, cards_page, stripe_api, deliver
):
    user = customer()
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_mastercard")
    visa, mastercard = sorted(cards.all_cards(user), key=lambda card: card.id)

    stripe_api.v1.payment_methods.detach(visa.stripe_payment_method_id)
    assert deliver("payment_method.detached", visa.stripe_payment_method_id) == (
        200,
        "processed",
    )

    db.session.expire_all()
    assert [card.last4 for card in cards.all_cards(user)] == ["4444"]
    assert mastercard.is_default
    default = stripe_api.v1.customers.retrieve(_customer_id(user))["invoice_settings"]
    assert default["default_payment_method"] == mastercard.stripe_payment_method_id


def test_a_new_expiry_from_the_card_network_is_picked_up(
    customer, cards_page, stripe_api, sandbox, deliver
):
    user = customer()
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(user)
    pm_id = card.stripe_payment_method_id

    stripe_api.v1.payment_methods.update(pm_id, params={"card": {"exp_month": 3, "exp_year": 2040}})
    sandbox.control.trigger("payment_method.automatically_updated", pm_id)

    assert deliver("payment_method.automatically_updated", pm_id) == (200, "processed")
    db.session.expire_all()
    assert (card.exp_month, card.exp_year) == (3, 2040)


def test_a_card_edited_in_the_dashboard_shows_its_new_expiry(
    customer, cards_page, client, stripe_api, deliver
):
    user = customer()
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(user)
    pm_id = card.stripe_payment_method_id

    stripe_api.v1.payment_methods.update(pm_id, params={"card": {"exp_month": 3, "exp_year": 2041}})

    assert deliver("payment_method.updated", pm_id) == (200, "processed")
    page = client.get("/account/cards").get_data(as_text=True)
    assert "03/2041" in page


def test_an_old_event_with_stale_details_does_not_undo_a_newer_change(
    customer, cards_page, stripe_api, deliver
):
    user = customer()
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(user)
    stripe_api.v1.payment_methods.update(
        card.stripe_payment_method_id, params={"card": {"exp_month": 3, "exp_year": 2040}}
    )

    # The attach event's snapshot still has the old expiry; Stripe's current copy wins.
    assert deliver("payment_method.attached", card.stripe_payment_method_id)[0] == 200

    db.session.expire_all()
    assert (card.exp_month, card.exp_year) == (3, 2040)


def test_a_deleted_customer_takes_its_cards_with_it(customer, cards_page, stripe_api, deliver):
    user = customer()
    cards_page.add("pm_card_visa")
    customer_id = _customer_id(user)

    stripe_api.v1.customers.delete(customer_id)

    assert deliver("customer.deleted", customer_id) == (200, "processed")
    assert db.session.execute(db.select(SavedCard)).first() is None
    assert db.session.get(User, user.id).stripe_customer_id is None


def test_a_customer_deleted_at_stripe_can_save_a_card_again(
    customer, cards_page, stripe_api, deliver
):
    user = customer()
    cards_page.add("pm_card_visa")
    first_customer = _customer_id(user)
    stripe_api.v1.customers.delete(first_customer)
    assert deliver("customer.deleted", first_customer) == (200, "processed")

    cards_page.add("pm_card_mastercard")

    second_customer = _customer_id(user)
    assert second_customer not in (None, first_customer)
    assert not stripe_api.v1.customers.retrieve(second_customer).to_dict().get("deleted")
    (card,) = db.session.execute(db.select(SavedCard)).scalars()
    assert card.brand == "mastercard" and card.is_default


def test_events_for_someone_elses_customer_are_ignored(stripe_api, deliver, app):
    stranger = stripe_api.v1.customers.create(params={"email": "stranger@example.com"})
    method = stripe_api.v1.payment_methods.attach(
        "pm_card_visa", params={"customer": stranger["id"]}
    )

    assert deliver("payment_method.attached", method["id"]) == (200, "ignored")
    assert db.session.execute(db.select(SavedCard)).first() is None
