"""A guest buys through the real pay page, Stripe.js stand-in and sandbox, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    challenge,
    fill_card,
    fill_card_details,
    order_status,
    payment_form,
)


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


@pytest.fixture
def shop(webhooks_on, make_product):
    make_product(name="Glass teapot", price_minor=2800, stock=5)
    return webhooks_on


def check_out_as_guest(page, shop) -> None:
    page.goto(shop.url + "/")
    page.get_by_role("link", name="Glass teapot").click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_label("Email").fill("guest@example.com")
    page.get_by_role("button", name="Checkout").click()
    expect(page.get_by_role("heading", name=re.compile("Pay for order"))).to_be_visible()


def pay(page) -> None:
    page.get_by_role("button", name="Pay $28.00").click()


def expect_paid(page) -> None:
    expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    expect(order_status(page)).to_have_text(re.compile(r"Status Paid$"))


def test_guest_pays_with_4242(page, shop):
    check_out_as_guest(page, shop)
    fill_card(page, "4242424242424242")
    pay(page)
    expect_paid(page)


def test_decline_shows_the_message_and_a_retry_succeeds(page, shop):
    check_out_as_guest(page, shop)
    fill_card(page, "4000000000000002")
    pay(page)
    expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
    expect(page.get_by_role("button", name="Pay $28.00")).to_be_enabled()
    frame = page.get_by_title("Secure payment input frame").content_frame
    frame.get_by_label("Card number").fill("")
    frame.get_by_label("Card number").press_sequentially("4242424242424242")
    pay(page)
    expect_paid(page)


def test_paying_by_keyboard_is_announced_and_keeps_focus_after_a_decline(page, shop, sandbox):
    check_out_as_guest(page, shop)
    fill_card(page, "4000000000000002")
    # The shop's request to Stripe takes a moment: long enough to hear what is going on.
    sandbox.control.fault("/v1/payment_intents", "slow", count=1, seconds=1.5, method="POST")
    button = page.get_by_role("button", name="Pay $28.00")
    button.focus()
    button.press("Enter")

    expect(page.get_by_role("status")).to_have_text("Processing your payment…")
    expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
    expect(page.get_by_role("status")).to_have_text("")
    expect(button).to_be_focused()  # Enter again is the next try, where the customer is


def test_3ds_challenge_completed(page, shop):
    check_out_as_guest(page, shop)
    fill_card(page, "4000002500003155")
    pay(page)
    challenge(page).get_by_role("button", name="Complete").click()
    expect_paid(page)


def test_redirect_flow_lands_on_the_confirmation_page_paid(page, shop):
    check_out_as_guest(page, shop)
    fill_card(page, "4000000000003063")
    pay(page)
    page.get_by_role("button", name="Complete").click()  # the bank's page, full screen
    expect_paid(page)
    assert "/orders/" in page.url


def test_a_failed_check_on_the_banks_page_comes_back_to_the_form_saying_why(page, shop):
    check_out_as_guest(page, shop)
    fill_card(page, "4000000000003063")
    pay(page)
    page.get_by_role("button", name="Fail").click()  # the bank's page, full screen

    expect(page.get_by_role("heading", name=re.compile("Pay for order"))).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("unable to authenticate")
    fill_card(page, "4242424242424242")
    pay(page)
    expect_paid(page)


OUTAGE = "Payments are temporarily unavailable, your order is saved — try again in a minute."


def test_stripe_being_down_is_told_and_paying_again_later_works(page, shop, sandbox):
    check_out_as_guest(page, shop)
    fill_card(page, "4242424242424242")
    # Stripe answers 500 to the shop's first try and to both of its retries.
    sandbox.control.fault("/v1/payment_intents", "error", count=3, method="POST")
    pay(page)

    expect(page.get_by_role("alert")).to_have_text(OUTAGE)
    expect(page.get_by_role("button", name="Pay $28.00")).to_be_enabled()
    assert sandbox.control.faults() == []  # the shop did ask, three times

    pay(page)  # a minute later, Stripe is back
    expect_paid(page)


def test_a_shop_out_of_reach_while_paying_is_told_the_same_way(page, shop):
    check_out_as_guest(page, shop)
    page.route(re.compile(r".*/orders/[^/]+/intent$"), lambda route: route.abort("failed"))
    fill_card(page, "4242424242424242")
    pay(page)

    expect(page.get_by_role("alert")).to_have_text(OUTAGE)


def test_a_payment_whose_answer_the_browser_lost_still_ends_paid(page, shop):
    check_out_as_guest(page, shop)

    def lose_the_answer(route):
        route.fetch()  # Stripe takes the payment...
        route.abort("connectionreset")  # ...and its answer never reaches the browser

    page.route(re.compile(r".*/v1/payment_intents/[^/]+/confirm$"), lose_the_answer)
    fill_card(page, "4242424242424242")
    pay(page)
    expect_paid(page)  # the shop asked Stripe: paid, whatever the browser heard


def test_paying_again_in_a_second_tab_shows_the_order_paid(page, shop):
    check_out_as_guest(page, shop)
    second = page.context.new_page()
    second.goto(page.url)  # the same pay page, open twice
    fill_card(page, "4242424242424242")
    pay(page)
    expect_paid(page)

    fill_card(second, "4242424242424242")
    pay(second)

    expect_paid(second)


def test_a_processing_payment_page_shows_the_result_by_itself(
    page, shop, sandbox, stripe_api
):
    page.clock.install()  # time runs as usual; the test skips the waits between polls
    check_out_as_guest(page, shop)
    fill_card(page, "4000000000006975")  # the bank takes its time
    pay(page)
    expect(page.get_by_role("heading", name="Your payment is processing")).to_be_visible()
    [intent] = stripe_api.v1.payment_intents.list({"limit": 1}).data
    page.evaluate("window.sameDocument = true")
    with page.expect_request(lambda r: r.resource_type == "fetch" and "/orders/" in r.url,
                             timeout=15_000) as asked:
        page.clock.fast_forward(5_000)  # the page asks the shop again by itself...
    asked.value.response()
    # ...and, with nothing new, stays as the customer's screen reader left it.
    assert page.evaluate("window.sameDocument") is True

    sandbox.control.settle(intent.id, "succeeded")  # the customer only waits
    page.clock.fast_forward(5_000)

    expect(order_status(page)).to_have_text(re.compile(r"Status Paid$"), timeout=15_000)


def test_a_card_form_that_cannot_load_says_so(page, shop):
    page.route(re.compile(r".*/v3/?$"), lambda route: route.abort("blockedbyclient"))
    check_out_as_guest(page, shop)
    expect(page.get_by_role("alert")).to_contain_text("The card form could not load.")
    expect(page.get_by_role("button", name="Pay $28.00")).to_be_disabled()
    expect(payment_form(page).get_by_role("status")).to_have_text("")  # not loading


def test_the_pay_button_says_why_it_waits_until_the_card_form_is_ready(page, shop):
    page.route(re.compile(r".*/v3/elements-frame.*"), lambda route: None)  # never answered
    check_out_as_guest(page, shop)
    expect(page.get_by_role("button", name="Pay $28.00")).to_be_disabled()
    expect(payment_form(page).get_by_role("status")).to_have_text("Loading the card form…")


def test_the_confirmation_page_fits_a_phone_screen(page, shop):
    page.set_viewport_size({"width": 375, "height": 800})
    check_out_as_guest(page, shop)
    fill_card(page, "4242424242424242")
    pay(page)
    expect_paid(page)
    expect(page.get_by_role("link", name=re.compile("access"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # the long link wraps


def test_an_incomplete_card_error_goes_once_the_card_is_edited(page, shop):
    check_out_as_guest(page, shop)
    expect(page.get_by_role("button", name="Pay $28.00")).to_be_enabled()
    pay(page)  # nothing typed yet
    alert = payment_form(page).get_by_role("alert")
    expect(alert).to_have_text("Your card number is incomplete.")

    card_form = page.get_by_title("Secure payment input frame").content_frame
    card_form.get_by_label("Card number").press_sequentially("4242424242424242")
    expect(alert).to_be_hidden()  # the card form marks what is still missing

    pay(page)
    expect(alert).to_have_text("Your card's expiration date is incomplete.")
    fill_card_details(page)
    expect(alert).to_be_hidden()
    pay(page)
    expect(page.get_by_role("heading", name=re.compile("Thank you"))).to_be_visible()
    expect(order_status(page)).to_have_text(re.compile(r"Status Paid$"))
