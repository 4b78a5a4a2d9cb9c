"""A customer manages saved cards on the account page, in Chromium, against the sandbox."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import fill_card, table_row
from tests.payments_support import settle_webhooks


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


def sign_in(page: Page, shop_url: str, email: str, password: str) -> None:
    page.goto(f"{shop_url}/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged in.")


def add_card(page: Page, number: str) -> None:
    page.get_by_role("link", name="Add a card").click()
    expect(page.get_by_role("heading", name="Add a card")).to_be_visible()
    expect(page.get_by_role("button", name="Save card")).to_be_enabled()  # the form is ready
    fill_card(page, number, postal_code="10001")
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_role("heading", name="Payment methods")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your card is saved.")


def add_card_form(page: Page):
    return page.get_by_role("form", name="Add a card")


def saved_cards(page: Page):
    """One header cell per card listed (the column headers are another role)."""
    return page.get_by_role("rowheader")


def test_add_cards_choose_the_default_and_remove_one(
    page, live_shop, make_user, sandbox, webhooks_on
):
    make_user(email="cards@example.com", password="cards-pass-123")
    sign_in(page, live_shop.url, "cards@example.com", "cards-pass-123")
    page.goto(f"{live_shop.url}/account/cards")
    expect(page.get_by_text("You have no saved cards.")).to_be_visible()

    add_card(page, "4242424242424242")
    expect(table_row(page, "Visa •••• 4242")).to_contain_text("Default")

    add_card(page, "5555555555554444")
    expect(saved_cards(page)).to_have_count(2)
    expect(table_row(page, "Mastercard •••• 4444")).not_to_contain_text("Default")

    page.get_by_role("button", name="Make default: Mastercard •••• 4444").click()
    expect(page.get_by_role("status")).to_contain_text("Mastercard •••• 4444 is now your default")
    expect(table_row(page, "Mastercard •••• 4444")).to_contain_text("Default")
    expect(table_row(page, "Visa •••• 4242")).not_to_contain_text("Default")

    page.get_by_role("button", name="Remove Visa •••• 4242").click()
    expect(page.get_by_role("status")).to_contain_text("Visa •••• 4242 was removed.")
    expect(saved_cards(page)).to_have_count(1)

    # Stripe's webhooks about all of this arrive too; the list stays as the customer left it.
    settle_webhooks(sandbox)
    page.reload()
    expect(saved_cards(page)).to_have_count(1)
    expect(table_row(page, "Mastercard •••• 4444")).to_contain_text("Default")


def test_a_declined_card_says_why_and_is_not_listed(page, live_shop, make_user, sandbox):
    make_user(email="cards@example.com", password="cards-pass-123")
    sign_in(page, live_shop.url, "cards@example.com", "cards-pass-123")
    page.goto(f"{live_shop.url}/account/cards/new")
    expect(page.get_by_role("button", name="Save card")).to_be_enabled()  # the form is ready
    fill_card(page, "4000000000000002", postal_code="10001")
    # The shop's request to Stripe takes a moment: long enough to hear what is going on.
    sandbox.control.fault("/v1/setup_intents", "slow", count=1, seconds=1.5, method="POST")
    page.get_by_role("button", name="Save card").click()

    expect(page.get_by_role("status")).to_have_text("Saving your card…")
    expect(add_card_form(page).get_by_role("alert")).to_have_text("Your card was declined.")
    expect(page.get_by_role("status")).to_have_text("")
    expect(page.get_by_role("button", name="Save card")).to_be_focused()  # to try again
    page.goto(f"{live_shop.url}/account/cards")
    expect(page.get_by_text("You have no saved cards.")).to_be_visible()


def test_an_add_card_form_that_cannot_load_says_so(page, live_shop, make_user):
    make_user(email="blocked@example.com", password="blocked-pass")
    page.route(re.compile(r".*/v3/?$"), lambda route: route.abort("blockedbyclient"))
    sign_in(page, live_shop.url, "blocked@example.com", "blocked-pass")
    page.goto(f"{live_shop.url}/account/cards/new")
    expect(page.get_by_role("alert")).to_contain_text("The card form could not load.")
    expect(page.get_by_role("button", name="Save card")).to_be_disabled()
    expect(add_card_form(page).get_by_role("status")).to_have_text("")  # not loading
