"""The Payment methods page: add a card with a SetupIntent, make one default, remove one."""

import pytest
import stripe

from shop.extensions import db
from shop.models import SavedCard, User, utcnow
from shop.services import cards
from tests.security.world import database_rows


def test_adding_a_card_saves_it_as_the_default(customer, cards_page, client, stripe_api):
    user = customer()

    response = cards_page.add("pm_card_visa")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/cards")
    page = client.get("/account/cards").get_data(as_text=True)
    assert "Your card is saved." in page
    assert "Visa •••• 4242" in page
    assert "Default" in page
    [card] = cards.all_cards(user)
    assert card.is_default and card.last4 == "4242" and card.brand == "visa"
    at_stripe = stripe_api.v1.payment_methods.retrieve(card.stripe_payment_method_id)
    assert at_stripe["customer"] == db.session.get(User, user.id).stripe_customer_id


def test_the_customer_is_created_once_and_kept_on_the_user(customer, cards_page, stripe_api):
    user = customer()
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_mastercard")

    customer_id = db.session.get(User, user.id).stripe_customer_id
    assert customer_id.startswith("cus_")
    customers = stripe_api.v1.customers.list(params={"email": user.email})
    assert [c["id"] for c in customers.data] == [customer_id]
    assert customers.data[0]["metadata"]["user_id"] == str(user.id)


def test_a_double_submit_reuses_the_setup_intent(customer, cards_page):
    customer()
    first = cards_page.start("same-attempt-key-0001").get_json()
    second = cards_page.start("same-attempt-key-0001").get_json()
    assert first["client_secret"] == second["client_secret"]
    assert cards_page.start("bad key").status_code == 400


def test_make_default_changes_it_at_stripe_and_here(customer, cards_page, client, stripe_api):
    user = customer()
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_mastercard")
    visa, mastercard = sorted(cards.all_cards(user), key=lambda card: card.id)
    assert visa.is_default and not mastercard.is_default

    response = client.post(f"/account/cards/{mastercard.id}/default")

    assert response.status_code == 302
    db.session.expire_all()
    assert mastercard.is_default and not visa.is_default
    customer = stripe_api.v1.customers.retrieve(db.session.get(User, user.id).stripe_customer_id)
    assert customer["invoice_settings"]["default_payment_method"] == (
        mastercard.stripe_payment_method_id
    )
    page = client.get("/account/cards").get_data(as_text=True)
    assert "Mastercard •••• 4444 is now your default card." in page


def test_removing_a_card_detaches_it_and_a_late_webhook_does_not_bring_it_back(
    customer, cards_page, client, stripe_api, deliver
):
    user = customer()
    cards_page.add("pm_card_visa")
    [card] = cards.all_cards(user)
    pm_id = card.stripe_payment_method_id

    response = client.post(f"/account/cards/{card.id}/remove")

    assert response.status_code == 302
    assert cards.all_cards(user) == []
    assert stripe_api.v1.payment_methods.retrieve(pm_id)["customer"] is None
    page = client.get("/account/cards").get_data(as_text=True)
    assert "Visa •••• 4242 was removed." in page and "now your default" not in page

    # Stripe's earlier news arrives only now, out of order.
    assert deliver("payment_method.attached", pm_id) == (200, "ignored")
    assert deliver("setup_intent.succeeded", _setup_intent_of(stripe_api, pm_id)) == (
        200,
        "ignored",
    )
    assert cards.all_cards(user) == []


def _setup_intent_of(stripe_api, pm_id: str) -> str:
    intents = stripe_api.v1.setup_intents.list(params={"payment_method": pm_id})
    return intents.data[0]["id"]


def test_removing_the_default_makes_the_next_card_default(customer, cards_page, client, stripe_api):
    user = customer()
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_mastercard")
    visa, mastercard = sorted(cards.all_cards(user), key=lambda card: card.id)

    client.post(f"/account/cards/{visa.id}/remove")

    page = client.get("/account/cards").get_data(as_text=True)
    assert "Visa •••• 4242 was removed. Mastercard •••• 4444 is now your default card." in page
    assert [card.id for card in cards.all_cards(user)] == [mastercard.id]
    assert mastercard.is_default
    customer = stripe_api.v1.customers.retrieve(db.session.get(User, user.id).stripe_customer_id)
    assert customer["invoice_settings"]["default_payment_method"] == (
        mastercard.stripe_payment_method_id
    )


def test_the_same_card_saved_twice_is_listed_once(customer, cards_page, client, stripe_api):
    user = customer()
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_visa")  # the same number and expiry, a new PaymentMethod

    [card] = cards.all_cards(user)
    customer_id = db.session.get(User, user.id).stripe_customer_id
    attached = stripe_api.v1.customers.payment_methods.list(customer_id, params={"type": "card"})
    assert [pm["id"] for pm in attached.data] == [card.stripe_payment_method_id]
    page = client.get("/account/cards").get_data(as_text=True)
    assert "This card was already saved." in page
    assert page.count('data-testid="saved-card"') == 1


def test_a_renewed_card_with_the_same_number_is_kept_beside_the_old_one(
    customer, cards_page, client, browser_stripe, stripe_api
):
    user = customer()
    this_year = utcnow().year
    # The bank renews the card: the same number, a later expiry.
    old, renewed = (
        browser_stripe.v1.payment_methods.create({"type": "card", "card": {
            "number": "4242424242424242", "exp_month": 12, "exp_year": year, "cvc": "123"}})
        for year in (this_year + 1, this_year + 4)
    )
    cards_page.add(old.id)

    cards_page.add(renewed.id)

    page = client.get("/account/cards").get_data(as_text=True)
    assert page.count('data-testid="saved-card"') == 2
    assert f"12/{this_year + 1}" in page and f"12/{this_year + 4}" in page
    assert "This card was already saved." not in page
    customer_id = db.session.get(User, user.id).stripe_customer_id
    attached = stripe_api.v1.customers.payment_methods.list(customer_id, params={"type": "card"})
    assert sorted(pm["id"] for pm in attached.data) == sorted([old.id, renewed.id])
    assert len(cards.all_cards(user)) == 2


def test_removing_the_default_skips_an_expired_card_for_the_next_default(
    customer, cards_page, client, stripe_api
):
    user = customer()
    cards_page.add("pm_card_visa")  # the default
    cards_page.add("pm_card_mastercard")
    cards_page.add("pm_card_amex")
    visa, mastercard, amex = sorted(cards.all_cards(user), key=lambda card: card.id)
    mastercard.exp_month, mastercard.exp_year = 1, 2020  # time passes: it expires
    db.session.commit()

    client.post(f"/account/cards/{visa.id}/remove")

    page = client.get("/account/cards").get_data(as_text=True)
    assert "Visa •••• 4242 was removed. American Express •••• 0005 is now your default" in page
    db.session.expire_all()
    assert amex.is_default and not mastercard.is_default
    customer = stripe_api.v1.customers.retrieve(db.session.get(User, user.id).stripe_customer_id)
    assert customer["invoice_settings"]["default_payment_method"] == (
        amex.stripe_payment_method_id
    )


def test_a_copy_whose_webhook_came_first_is_told_as_already_saved(
    customer, cards_page, client, deliver
):
    user = customer()
    cards_page.add("pm_card_visa")
    secret = cards_page.start("attempt-copy-0123456789ab").get_json()["client_secret"]
    intent = cards_page.confirm(secret, "pm_card_visa")  # the same card again
    assert deliver("setup_intent.succeeded", intent["id"])[0] == 200  # before the page

    client.get(f"/account/cards/added?setup_intent={intent['id']}")

    page = client.get("/account/cards").get_data(as_text=True)
    assert "This card was already saved." in page and "no longer saved" not in page
    assert len(cards.all_cards(user)) == 1


@pytest.mark.parametrize("action", ["default", "remove"])
def test_another_users_card_is_404_and_nothing_changes(
    action, make_user, auth, cards_page, client, stripe_api
):
    owner = make_user(email="owner@example.com", password="owner-pass-1")
    auth.login("owner@example.com", "owner-pass-1")
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_mastercard")
    auth.logout()
    make_user(email="intruder@example.com", password="intruder-pass")
    auth.login("intruder@example.com", "intruder-pass")
    _, mastercard = sorted(cards.all_cards(owner), key=lambda card: card.id)
    customer_id = db.session.get(User, owner.id).stripe_customer_id
    before = stripe_api.v1.customers.retrieve(customer_id)["invoice_settings"]

    for card_id in (mastercard.id, 999_999):
        assert client.post(f"/account/cards/{card_id}/{action}").status_code == 404

    db.session.expire_all()
    assert len(cards.all_cards(owner)) == 2 and not mastercard.is_default
    assert stripe_api.v1.customers.retrieve(customer_id)["invoice_settings"] == before
    at_stripe = stripe_api.v1.payment_methods.retrieve(mastercard.stripe_payment_method_id)
    assert at_stripe["customer"] == customer_id


def test_the_return_page_refuses_another_users_setup_intent(
    make_user, auth, cards_page, client, browser_stripe
):
    make_user(email="owner@example.com", password="owner-pass-1")
    auth.login("owner@example.com", "owner-pass-1")
    secret = cards_page.start().get_json()["client_secret"]
    intent = cards_page.confirm(secret, "pm_card_visa")
    auth.logout()
    intruder = make_user(email="intruder@example.com", password="intruder-pass")
    auth.login("intruder@example.com", "intruder-pass")
    cards_page.start("intruder-attempt-000001")  # the intruder has a customer too

    response = client.get(f"/account/cards/added?setup_intent={intent['id']}")

    assert response.status_code == 404
    assert cards.all_cards(intruder) == []
    assert client.get("/account/cards/added?setup_intent=nonsense").status_code == 404


def test_the_return_page_asks_stripe_not_the_query_string(customer, cards_page, client):
    user = customer()
    secret = cards_page.start().get_json()["client_secret"]
    setup_intent_id = secret.split("_secret_")[0]

    # Never confirmed: a forged "redirect_status=succeeded" saves nothing.
    response = client.get(
        f"/account/cards/added?setup_intent={setup_intent_id}&redirect_status=succeeded"
    )

    assert response.status_code == 200
    assert "Your card was not saved" in response.get_data(as_text=True)
    assert cards.all_cards(user) == []


def test_reloading_the_return_page_of_a_removed_card_does_not_say_it_is_saved(
    customer, cards_page, client
):
    user = customer()
    secret = cards_page.start().get_json()["client_secret"]
    setup_intent = cards_page.confirm(secret, "pm_card_visa")
    return_page = f"/account/cards/added?setup_intent={setup_intent['id']}"
    client.get(return_page)
    [card] = cards.all_cards(user)
    client.post(f"/account/cards/{card.id}/remove")
    client.get("/account/cards")  # the messages so far are read

    response = client.get(return_page)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/cards")
    page = client.get("/account/cards").get_data(as_text=True)
    assert "This card is no longer saved; add it again to use it." in page
    assert "Your card is saved." not in page
    assert cards.all_cards(user) == []


def test_a_declined_card_is_not_saved_and_says_why(customer, cards_page, client):
    user = customer()
    secret = cards_page.start().get_json()["client_secret"]
    with pytest.raises(stripe.CardError):
        cards_page.confirm(secret, "pm_card_visa_chargeDeclined")

    response = client.get(f"/account/cards/added?setup_intent={secret.split('_secret_')[0]}")

    page = response.get_data(as_text=True)
    assert "Your card was not saved" in page and "Your card was declined." in page
    assert cards.all_cards(user) == []


def test_expired_cards_are_marked_and_not_offered(customer, cards_page, client):
    user = customer()
    cards_page.add("pm_card_visa")
    expired = SavedCard(
        user_id=user.id,
        stripe_payment_method_id="pm_expired_one",
        brand="mastercard",
        last4="4444",
        exp_month=1,
        exp_year=2020,
        fingerprint="oldcardfingerpr",
    )
    db.session.add(expired)
    db.session.commit()

    page = client.get("/account/cards").get_data(as_text=True)

    assert "01/2020" in page and "Expired" in page
    assert [card.last4 for card in cards.usable_cards(user)] == ["4242"]
    assert [card.last4 for card in cards.all_cards(user)] == ["4242", "4444"]
    assert f"/account/cards/{expired.id}/default" not in page
    assert client.post(f"/account/cards/{expired.id}/default").status_code == 302
    db.session.expire_all()
    assert not expired.is_default


def test_a_card_added_after_the_default_expired_becomes_the_default(
    customer, cards_page, client, stripe_api
):
    user = customer()
    cards_page.add("pm_card_visa")
    [old] = cards.all_cards(user)
    old.exp_month, old.exp_year = 1, 2020  # time passes: the default card expires
    db.session.commit()

    cards_page.add("pm_card_mastercard")

    new = next(card for card in cards.all_cards(user) if card.id != old.id)
    assert new.is_default and not old.is_default
    customer = stripe_api.v1.customers.retrieve(db.session.get(User, user.id).stripe_customer_id)
    assert customer["invoice_settings"]["default_payment_method"] == new.stripe_payment_method_id
    page = client.get("/account/cards").get_data(as_text=True)
    assert page.index("Mastercard •••• 4444") < page.index("Visa •••• 4242")  # default first


def test_the_first_card_is_the_default_at_stripe_too(customer, cards_page, stripe_api):
    user = customer()

    cards_page.add("pm_card_visa")

    [card] = cards.all_cards(user)
    customer = stripe_api.v1.customers.retrieve(db.session.get(User, user.id).stripe_customer_id)
    assert customer["invoice_settings"]["default_payment_method"] == (
        card.stripe_payment_method_id
    )


def test_a_guest_is_sent_to_log_in(client, make_user, stripe_api):
    make_user(email="someone@example.com")  # a customer who is not this guest
    before = database_rows()
    for url in ("/account/cards", "/account/cards/new"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    response = client.post("/account/cards/setup-intent", json={"request_key": "x" * 20})
    assert response.status_code == 302
    # Nothing was made for anyone: no customer or SetupIntent at Stripe, no row here.
    assert stripe_api.v1.customers.list().data == []
    assert stripe_api.v1.setup_intents.list().data == []
    db.session.expire_all()
    assert database_rows() == before


def test_the_add_card_page_loads_stripe_js_and_the_module(customer, client, app):
    customer()
    page = client.get("/account/cards/new").get_data(as_text=True)
    assert f'<script src="{app.config["STRIPE_JS_URL"]}"></script>' in page
    assert '<script type="module" src="/static/js/cards.js"></script>' in page
    assert 'data-publishable-key="pk_test_shop"' in page
    assert "<script>" not in page  # nothing inline: the CSP forbids it
