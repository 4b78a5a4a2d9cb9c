"""The Payment methods page is valid HTML with two cards, and each card's forms work as sent."""

from shop.extensions import db
from shop.services import cards
from tests.html_support import button_labels, form_fields, ids_used_twice


def test_two_cards_share_no_id_and_their_forms_carry_a_working_token(
    app, customer, cards_page, client
):
    user = customer()
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_mastercard")
    visa, mastercard = sorted(cards.all_cards(user), key=lambda card: card.id)
    app.config["WTF_CSRF_ENABLED"] = True  # each form is sent with only what the page gave it

    page = client.get("/account/cards").get_data(as_text=True)
    assert ids_used_twice(page) == []

    make_default = form_fields(page, f"/account/cards/{mastercard.id}/default")
    assert client.post(f"/account/cards/{mastercard.id}/default",
                       data=make_default).status_code == 302
    db.session.expire_all()
    assert mastercard.is_default and not visa.is_default

    page = client.get("/account/cards").get_data(as_text=True)
    remove = form_fields(page, f"/account/cards/{visa.id}/remove")
    assert client.post(f"/account/cards/{visa.id}/remove", data=remove).status_code == 302
    assert cards.all_cards(user) == [mastercard]


def test_each_card_buttons_name_starts_with_the_words_it_shows(customer, cards_page, client):
    customer()
    cards_page.add("pm_card_visa")
    cards_page.add("pm_card_mastercard")

    page = client.get("/account/cards").get_data(as_text=True)

    # Speech users say what they see ("click Make default"); the name must contain it.
    assert sorted(label for label, _ in button_labels(page) if label) == [
        "Make default: Mastercard •••• 4444",
        "Remove Mastercard •••• 4444",
        "Remove Visa •••• 4242",
    ]
    assert all(label.startswith(text) for label, text in button_labels(page) if label)
