"""Card and customer events the shop must not act on as they read."""

from shop.extensions import db
from shop.models import SavedCard, StripeEvent, User
from shop.services import cards


def test_a_card_detached_from_nobody_here_is_ignored_among_users_with_no_customer(
    make_user, stripe_api, deliver
):
    make_user(email="ann@example.com")  # signed up, never saved a card
    make_user(email="bo@example.com")
    stranger = stripe_api.v1.customers.create(params={"email": "stranger@example.com"})
    method = stripe_api.v1.payment_methods.attach(
        "pm_card_visa", params={"customer": stranger["id"]})
    stripe_api.v1.payment_methods.detach(method["id"])

    assert deliver("payment_method.detached", method["id"]) == (200, "ignored")

    assert db.session.execute(db.select(SavedCard)).first() is None
    assert db.session.execute(db.select(StripeEvent.status)).scalars().all() == ["ignored"]


def test_a_customer_deleted_event_about_a_customer_stripe_still_has_keeps_its_cards(
    customer, cards_page, sandbox, deliver
):
    user = customer()
    cards_page.add("pm_card_visa")
    customer_id = db.session.get(User, user.id).stripe_customer_id
    # An event that does not match Stripe as it is now (a test trigger, a mix-up).
    sandbox.control.trigger("customer.deleted", customer_id)

    assert deliver("customer.deleted", customer_id) == (200, "ignored")

    assert db.session.get(User, user.id).stripe_customer_id == customer_id
    assert [card.last4 for card in cards.all_cards(user)] == ["4242"]

