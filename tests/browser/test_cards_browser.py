"""A customer manages saved cards on the account page, in Chromium, against the sandbox."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.payments_support import settle_webhooks

FRAME = 'iframe[title="Secure payment input frame"]'


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
    expect(page.locator("#add-card[data-ready='true']")).to_be_attached()
    card = page.frame_locator(FRAME)
    card.get_by_label("Card number").press_sequentially(number)
    card.get_by_label("Expiration date").fill(f"12 / {(date.today().year + 3) % 100:02d}")
    card.get_by_label("Security code").fill("123")
    card.get_by_label("ZIP").fill("10001")
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_role("heading", name="Payment methods")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your card is saved.")


def row(page: Page, name: str):
    return page.get_by_test_id("saved-card").filter(has=page.get_by_role("rowheader", name=name))


def test_add_cards_choose_the_default_and_remove_one(
    page, live_shop, make_user, sandbox, webhooks_on
):
    make_user(email="cards@example.com", password="cards-pass-123")
    sign_in(page, live_shop.url, "cards@example.com", "cards-pass-123")
    page.goto(f"{live_shop.url}/account/cards")
    expect(page.get_by_text("You have no saved cards.")).to_be_visible()

    add_card(page, "4242424242424242")
    expect(row(page, "Visa •••• 4242")).to_contain_text("Default")

    add_card(page, "5555555555554444")
    expect(page.get_by_test_id("saved-card")).to_have_count(2)
    expect(row(page, "Mastercard •••• 4444")).not_to_contain_text("Default")

    page.get_by_role("button", name="Make Mastercard •••• 4444 the default").click()
    expect(page.get_by_role("status")).to_contain_text("Mastercard •••• 4444 is now your default")
    expect(row(page, "Mastercard •••• 4444")).to_contain_text("Default")
    expect(row(page, "Visa •••• 4242")).not_to_contain_text("Default")

    page.get_by_role("button", name="Remove Visa •••• 4242").click()
    expect(page.get_by_role("status")).to_contain_text("Visa •••• 4242 was removed.")
    expect(page.get_by_test_id("saved-card")).to_have_count(1)

    # Stripe's webhooks about all of this arrive too; the list stays as the customer left it.
    settle_webhooks(sandbox)
    page.reload()
    expect(page.get_by_test_id("saved-card")).to_have_count(1)
    expect(row(page, "Mastercard •••• 4444")).to_contain_text("Default")


def test_a_declined_card_says_why_and_is_not_listed(page, live_shop, make_user, sandbox):
    make_user(email="cards@example.com", password="cards-pass-123")
    sign_in(page, live_shop.url, "cards@example.com", "cards-pass-123")
    page.goto(f"{live_shop.url}/account/cards/new")
    expect(page.locator("#add-card[data-ready='true']")).to_be_attached()
    card = page.frame_locator(FRAME)
    card.get_by_label("Card number").press_sequentially("4000000000000002")
    card.get_by_label("Expiration date").fill(f"12 / {(date.today().year + 3) % 100:02d}")
    card.get_by_label("Security code").fill("123")
    card.get_by_label("ZIP").fill("10001")
    # The shop's request to Stripe takes a moment: long enough to hear what is going on.
    sandbox.control.fault("/v1/setup_intents", "slow", count=1, seconds=1.5, method="POST")
    page.get_by_role("button", name="Save card").click()

    expect(page.get_by_role("status")).to_have_text("Saving your card…")
    expect(page.locator("#card-error")).to_have_text("Your card was declined.")
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
    expect(page.locator("#add-card").get_by_role("status")).to_have_text("")  # not loading
