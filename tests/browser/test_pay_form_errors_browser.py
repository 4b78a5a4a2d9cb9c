"""The pay page's error about the card form goes once the form is filled in correctly."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import fill_card, order_status, payment_form
from tests.browser.test_checkout_browser import check_out_as_guest, pay


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


@pytest.fixture
def shop(webhooks_on, make_product):
    make_product(name="Glass teapot", price_minor=2800, stock=5)
    return webhooks_on


def test_an_incomplete_card_error_goes_once_the_card_is_complete(page, shop):
    check_out_as_guest(page, shop)
    expect(page.get_by_role("button", name="Pay $28.00")).to_be_enabled()
    pay(page)  # nothing typed yet
    alert = payment_form(page).get_by_role("alert")
    expect(alert).to_have_text("Your card number is incomplete.")

    fill_card(page, "4242424242424242")

    expect(alert).to_be_hidden()
    pay(page)
    expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    expect(order_status(page)).to_have_text(re.compile(r"Status Paid$"))
