"""The add-card page explains a card form that never loads, and drops an error about the
card once the card is filled in correctly, as the pay page does."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import fill_card_details
from tests.browser.test_cards_browser import add_card_form, sign_in


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


def test_an_add_card_form_whose_frame_fails_to_load_says_so(page, live_shop, make_user):
    make_user(email="frame@example.com", password="frame-pass-123")
    sign_in(page, live_shop.url, "frame@example.com", "frame-pass-123")
    page.route(re.compile(r".*/v3/elements-frame.*"), lambda route: route.abort())
    page.clock.install()  # time runs as usual; the test skips Stripe.js's wait for the frame
    page.goto(f"{live_shop.url}/account/cards/new")
    form = add_card_form(page)
    expect(form.get_by_role("status")).to_have_text("Loading the card form…")
    expect(page.get_by_title("Secure payment input frame")).to_be_attached()  # mounted

    page.clock.fast_forward(30_000)  # Stripe.js gives up on the frame: "loaderror"

    expect(form.get_by_role("alert")).to_have_text(
        "The payment form could not be loaded. Reload the page to try again.")
    expect(form.get_by_role("status")).to_have_text("")  # no longer loading
    expect(page.get_by_role("button", name="Save card")).to_be_disabled()


def test_an_incomplete_card_error_goes_once_the_card_is_edited(
    page, live_shop, make_user, webhooks_on
):
    make_user(email="stale@example.com", password="stale-pass-123")
    sign_in(page, live_shop.url, "stale@example.com", "stale-pass-123")
    page.goto(f"{live_shop.url}/account/cards/new")
    save = page.get_by_role("button", name="Save card")
    expect(save).to_be_enabled()
    save.click()  # nothing typed yet
    alert = add_card_form(page).get_by_role("alert")
    expect(alert).to_have_text("Your card number is incomplete.")

    card_form = page.get_by_title("Secure payment input frame").content_frame
    card_form.get_by_label("Card number").press_sequentially("4242424242424242")
    expect(alert).to_be_hidden()  # the card form marks what is still missing

    fill_card_details(page, postal_code="10001")
    save.click()
    expect(page.get_by_role("status")).to_contain_text("Your card is saved.")
