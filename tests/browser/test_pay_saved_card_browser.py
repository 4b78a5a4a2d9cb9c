"""A signed-in customer saves a card while paying, then pays the next order in one click."""

import re

import pytest
from playwright.sync_api import expect

from shop.extensions import db
from shop.models import SavedCard
from tests.browser.conftest import (
    challenge,
    fill_card,
    order_status,
    payment_form,
    table_row,
)
from tests.payments_support import settle_webhooks


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


def buy_teapot(page, shop_url: str) -> None:
    page.goto(shop_url + "/")
    page.get_by_role("link", name="Glass teapot").click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("button", name="Checkout").click()  # the email is prefilled
    expect(page.get_by_role("heading", name=re.compile("Pay for order"))).to_be_visible()


def sign_in_and_pay_saving_the_card(page, shop: str, sandbox) -> None:
    """Ann signs in and pays her first teapot with a new card, ticking "Save"."""
    page.goto(shop + "/auth/login")
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Log in").click()
    buy_teapot(page, shop)
    expect(page.get_by_role("radio", name="Use a new card")).to_be_checked()
    fill_card(page, "4242424242424242")
    page.get_by_role("checkbox", name="Save this card for future purchases").check()
    page.get_by_role("button", name="Pay $28.00").click()
    expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    settle_webhooks(sandbox)


@pytest.fixture
def shop(webhooks_on, make_user, make_product) -> str:
    make_product(name="Glass teapot", price_minor=2800, stock=5)
    make_user(email="ann@example.com", password="password123")
    return webhooks_on.url


def test_save_while_paying_then_pay_with_the_saved_card(page, shop, sandbox):
    sign_in_and_pay_saving_the_card(page, shop, sandbox)

    page.get_by_role("link", name="Payment methods").click()
    expect(page.get_by_role("rowheader")).to_have_count(1)  # one card listed
    expect(table_row(page, "Visa •••• 4242")).to_contain_text("Default")

    # The card form cannot load this time (a blocked frame): the saved card needs none.
    page.route(re.compile(r".*/v3/elements-frame.*"), lambda route: route.abort())
    buy_teapot(page, shop)
    saved = page.get_by_role("radio", name=re.compile(r"Visa •••• 4242.*\(Default\)"))
    expect(saved).to_be_checked()
    status = payment_form(page).get_by_role("status")
    expect(status).to_have_text("")  # not waiting for a card form it does not need
    page.get_by_role("radio", name="Use a new card").check()
    expect(status).to_have_text("Loading the card form…")
    saved.check()
    page.get_by_role("button", name="Pay $28.00").click()  # one click, no card typed
    expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    expect(order_status(page)).to_have_text(re.compile(r"Status Paid$"))


def test_a_saved_card_removed_meanwhile_leaves_the_list_for_a_new_card(page, shop, sandbox):
    sign_in_and_pay_saving_the_card(page, shop, sandbox)

    buy_teapot(page, shop)
    saved = page.get_by_role("radio", name=re.compile(r"Visa •••• 4242"))
    expect(saved).to_be_checked()
    db.session.execute(db.delete(SavedCard))  # removed in another tab meanwhile
    db.session.commit()
    page.get_by_role("button", name="Pay $28.00").click()

    expect(page.get_by_role("alert")).to_have_text(
        "That card is no longer available. Choose another card or enter a new one.")
    expect(saved).to_have_count(0)
    expect(page.get_by_role("radio", name="Use a new card")).to_be_checked()
    fill_card(page, "4242424242424242")  # the card form is there again
    page.get_by_role("button", name="Pay $28.00").click()
    expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()


def test_a_saved_card_that_asks_for_3ds_pays_once_the_challenge_is_completed(
    page, shop, sandbox
):
    page.goto(shop + "/auth/login")
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Log in").click()
    # A card whose bank asks for 3-D Secure every time, saved on the account page.
    page.get_by_role("link", name="Payment methods").click()
    page.get_by_role("link", name="Add a card").click()
    expect(page.get_by_role("button", name="Save card")).to_be_enabled()
    fill_card(page, "4000002760003184")
    page.get_by_role("button", name="Save card").click()
    challenge(page).get_by_role("button", name="Complete").click()
    expect(page.get_by_role("status")).to_contain_text("Your card is saved.")
    settle_webhooks(sandbox)

    buy_teapot(page, shop)
    expect(page.get_by_role("radio", name=re.compile(r"Visa •••• 3184"))).to_be_checked()
    page.get_by_role("button", name="Pay $28.00").click()  # no card typed

    expect(page.get_by_role("dialog", name="3D Secure authentication")).to_be_visible()
    challenge(page).get_by_role("button", name="Complete").click()
    expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    expect(order_status(page)).to_have_text(re.compile(r"Status Paid$"))
