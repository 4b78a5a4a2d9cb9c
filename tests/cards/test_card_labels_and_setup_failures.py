"""How a saved card is named on the pay page, and a customer made at Stripe on the way
to a failed card setup is kept, not made again."""

import html

from shop.extensions import db
from shop.models import User
from shop.services import cards


def test_a_saved_cards_expiry_month_is_written_with_two_digits(
    customer, cards_page, shopper, make_product
):
    user = customer()
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(user)
    card.exp_month, card.exp_year = 3, 2041
    db.session.commit()
    order = shopper.checkout((make_product(price_minor=2400), 1), email=user.email)

    page = html.unescape(shopper.client.get(f"/orders/{order.number}/pay").get_data(as_text=True))

    assert "Visa •••• 4242, expires 03/2041" in page


def test_a_customer_made_before_the_setup_failed_is_kept_for_the_next_try(
    customer, cards_page, stripe_api, stripe_down, sandbox
):
    user = customer()
    stripe_down("/v1/setup_intents")
    assert cards_page.start("first-attempt-0123456789").status_code == 502

    # The customer is real at Stripe now: the shop records it at once, rather than
    # counting on Stripe's idempotency (kept only 24 hours) to hand it back next time.
    db.session.expire_all()
    at_stripe = stripe_api.v1.customers.list(params={"email": user.email})
    assert [c["id"] for c in at_stripe.data] == [db.session.get(User, user.id).stripe_customer_id]

    sandbox.control.clear_faults()
    assert cards_page.start("second-attempt-0123456789").status_code == 200
    at_stripe = stripe_api.v1.customers.list(params={"email": user.email})
    assert [c["id"] for c in at_stripe.data] == [db.session.get(User, user.id).stripe_customer_id]
