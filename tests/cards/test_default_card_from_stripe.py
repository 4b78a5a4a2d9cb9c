"""A default card chosen at Stripe (in the Dashboard) is the default the customer sees in
the shop, through Stripe's customer.updated event, whenever the shop holds that card and
it has not expired."""

import re

import pytest

from shop.extensions import db
from shop.models import SavedCard, StripeEvent
from shop.services import cards, webhooks
from tests.db_support import statements
from tests.payments_support import settle_webhooks


class Dashboard:
    """Changes made by hand at Stripe, as in its Dashboard; their events reach the shop."""

    def __init__(self, stripe_api, sandbox):
        self._stripe = stripe_api
        self._sandbox = sandbox

    def choose_default(self, customer_id: str, payment_method_id: str) -> str:
        """Set the customer's default card ("" clears it) and let Stripe's
        customer.updated reach the shop; returns that event's id."""
        self._stripe.v1.customers.update(
            customer_id,
            params={"invoice_settings": {"default_payment_method": payment_method_id}},
        )
        newest = self._stripe.v1.events.list(params={"type": "customer.updated", "limit": 1})
        settle_webhooks(self._sandbox)
        return newest.data[0]["id"]


@pytest.fixture
def dashboard(stripe_api, sandbox) -> Dashboard:
    return Dashboard(stripe_api, sandbox)


@pytest.fixture
def two_cards(customer, cards_page, sandbox, webhooks_on):
    """A signed-in customer with a Visa (the default, here and at Stripe) and a Mastercard;
    returns the user, the Visa and the Mastercard."""
    user = customer()
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_mastercard")
    settle_webhooks(sandbox)
    visa, mastercard = sorted(cards.all_cards(user), key=lambda card: card.id)
    assert visa.is_default
    return user, visa, mastercard


def shown_as_default(client) -> list[str]:
    """The cards the saved-cards page labels Default, by the names it shows them with."""
    page = client.get("/account/cards").get_data(as_text=True)
    rows = re.findall(r'<tr data-testid="saved-card">(.*?)</tr>', page, re.DOTALL)
    return [re.search(r'<th scope="row">(.*?)</th>', row).group(1)
            for row in rows if ">Default<" in row]


def outcome(event_id: str) -> str:
    return db.session.get(StripeEvent, event_id).status


def card_writes(seen: list[str]) -> list[str]:
    return [sql for sql in seen
            if sql.startswith(("INSERT", "UPDATE", "DELETE")) and "saved_card" in sql]


def test_a_default_chosen_in_the_dashboard_is_the_one_the_customer_sees(
    two_cards, client, dashboard
):
    user, visa, mastercard = two_cards

    event_id = dashboard.choose_default(user.stripe_customer_id,
                                        mastercard.stripe_payment_method_id)

    assert shown_as_default(client) == ["Mastercard •••• 4444"]
    assert mastercard.is_default and not visa.is_default
    assert outcome(event_id) == "processed"


def test_the_same_change_told_again_writes_nothing(two_cards, client, dashboard, sandbox):
    user, visa, mastercard = two_cards
    sandbox.control.webhook_behaviour(duplicate=1)

    event_id = dashboard.choose_default(user.stripe_customer_id,
                                        mastercard.stripe_payment_method_id)

    copies = [d for d in sandbox.control.deliveries() if d["event_id"] == event_id]
    assert len(copies) == 2 and all(copy["delivered"] for copy in copies)
    assert shown_as_default(client) == ["Mastercard •••• 4444"]
    with statements(None) as seen:
        # Stripe tells of the customer again, and an admin runs the first event again.
        later = sandbox.control.trigger("customer.updated", user.stripe_customer_id)
        settle_webhooks(sandbox)
        assert webhooks.reprocess(db.session.get(StripeEvent, event_id)) == (200, "ignored")
    assert card_writes(seen) == []
    assert outcome(later["id"]) == "ignored"
    assert shown_as_default(client) == ["Mastercard •••• 4444"]
    assert mastercard.is_default and not visa.is_default


def test_a_default_cleared_at_stripe_leaves_the_shops_own(
    two_cards, client, dashboard, stripe_api
):
    user, _, mastercard = two_cards
    dashboard.choose_default(user.stripe_customer_id, mastercard.stripe_payment_method_id)
    assert shown_as_default(client) == ["Mastercard •••• 4444"]

    event_id = dashboard.choose_default(user.stripe_customer_id, "")

    at_stripe = stripe_api.v1.customers.retrieve(user.stripe_customer_id)
    assert at_stripe["invoice_settings"]["default_payment_method"] is None
    assert outcome(event_id) == "ignored"
    assert shown_as_default(client) == ["Mastercard •••• 4444"]


def test_an_expired_card_made_default_at_stripe_is_not_the_default_here(
    two_cards, client, dashboard, stripe_api, sandbox
):
    user, visa, mastercard = two_cards
    dashboard.choose_default(user.stripe_customer_id, mastercard.stripe_payment_method_id)
    stripe_api.v1.payment_methods.update(
        visa.stripe_payment_method_id, params={"card": {"exp_month": 1, "exp_year": 2020}}
    )
    settle_webhooks(sandbox)
    assert visa.is_expired()

    event_id = dashboard.choose_default(user.stripe_customer_id, visa.stripe_payment_method_id)

    assert outcome(event_id) == "ignored"
    assert shown_as_default(client) == ["Mastercard •••• 4444"]
    assert mastercard.is_default and not visa.is_default


def test_a_default_whose_attach_event_was_lost_is_saved_and_made_default(
    customer, cards_page, client, dashboard, stripe_api, sandbox, webhooks_on
):
    user = customer()
    cards_page.add("pm_card_visa")
    settle_webhooks(sandbox)
    sandbox.control.webhook_behaviour(drop=1)
    amex = stripe_api.v1.payment_methods.attach(
        "pm_card_amex", params={"customer": user.stripe_customer_id}
    )
    settle_webhooks(sandbox)
    assert cards.by_payment_method(amex["id"]) is None  # payment_method.attached never came

    event_id = dashboard.choose_default(user.stripe_customer_id, amex["id"])

    assert outcome(event_id) == "processed"
    assert shown_as_default(client) == ["American Express •••• 0005"]
    assert [(card.last4, card.is_default) for card in cards.all_cards(user)] == [
        ("0005", True), ("4242", False),
    ]


def test_customers_the_shop_cannot_act_for_change_nothing(
    two_cards, client, dashboard, stripe_api, sandbox
):
    user, _, mastercard = two_cards
    customer_id = user.stripe_customer_id
    event_id = dashboard.choose_default(customer_id, mastercard.stripe_payment_method_id)
    assert shown_as_default(client) == ["Mastercard •••• 4444"]
    stranger = stripe_api.v1.customers.create(params={"email": "stranger@example.com"})
    theirs = stripe_api.v1.payment_methods.attach(
        "pm_card_visa", params={"customer": stranger["id"]}
    )

    with statements(None) as seen:
        assert outcome(dashboard.choose_default(stranger["id"], theirs["id"])) == "ignored"
        # Stripe answers 404 for the shop's customer, as for another account's id.
        sandbox.control.fault(f"/v1/customers/{customer_id}", mode="not_found")
        assert webhooks.reprocess(db.session.get(StripeEvent, event_id)) == (200, "ignored")
        # Deleted at Stripe, its customer.deleted event not here yet.
        sandbox.control.webhook_behaviour(drop=1)
        stripe_api.v1.customers.delete(customer_id)
        settle_webhooks(sandbox)
        assert webhooks.reprocess(db.session.get(StripeEvent, event_id)) == (200, "ignored")

    assert card_writes(seen) == []
    assert user.stripe_customer_id == customer_id
    defaults = db.select(SavedCard.last4).where(SavedCard.is_default)
    assert db.session.execute(defaults).scalars().all() == ["4444"]


def test_a_change_at_stripe_to_anything_else_keeps_the_customers_own_choice(
    two_cards, client, stripe_api, sandbox
):
    user, visa, mastercard = two_cards
    # The customer chose the Mastercard here, and the shop could not tell Stripe.
    cards.mark_default(user, mastercard)
    db.session.commit()

    stripe_api.v1.customers.update(user.stripe_customer_id,
                                   params={"email": "new-address@example.com"})
    settle_webhooks(sandbox)

    [event] = stripe_api.v1.events.list(params={"type": "customer.updated", "limit": 1}).data
    assert event["data"]["previous_attributes"].to_dict() == {"email": user.email}
    assert outcome(event["id"]) == "ignored"
    assert shown_as_default(client) == ["Mastercard •••• 4444"]
    assert mastercard.is_default and not visa.is_default


@pytest.mark.parametrize("attach_event", ["late", "lost"])
def test_a_second_copy_made_default_at_stripe_hands_that_to_the_card_kept(
    attach_event, two_cards, client, stripe_api, sandbox
):
    user, visa, mastercard = two_cards
    if attach_event == "late":
        sandbox.control.webhook_behaviour(delay=0.5)
    else:
        sandbox.control.webhook_behaviour(drop=1)
    # In the Dashboard, the same Mastercard is added again and made the default.
    copy = stripe_api.v1.payment_methods.attach(
        "pm_card_mastercard", params={"customer": user.stripe_customer_id}
    )
    stripe_api.v1.customers.update(
        user.stripe_customer_id,
        params={"invoice_settings": {"default_payment_method": copy["id"]}},
    )
    sandbox.control.webhook_behaviour(delay=0)
    settle_webhooks(sandbox)

    assert shown_as_default(client) == ["Mastercard •••• 4444"]
    assert [card.stripe_payment_method_id for card in cards.all_cards(user)] == [
        mastercard.stripe_payment_method_id, visa.stripe_payment_method_id,
    ]
    assert stripe_api.v1.payment_methods.retrieve(copy["id"])["customer"] is None
    at_stripe = stripe_api.v1.customers.retrieve(user.stripe_customer_id)
    assert at_stripe["invoice_settings"]["default_payment_method"] == (
        mastercard.stripe_payment_method_id
    )
