"""A card form that never loads is explained on the add-card page, as on the pay page."""

import re

import pytest
from playwright.sync_api import expect

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
