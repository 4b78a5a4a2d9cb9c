"""The Stripe.js stand-in, driven in Chromium the way a customer uses a checkout page."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DECLINED = "Your card was declined."
AUTHENTICATION_FAILED = (
    "We are unable to authenticate your payment method. "
    "Please choose a different payment method and try again."
)


def paid_intent_id(checkout) -> str:
    expect(checkout.outcome).to_have_text("Payment succeeded")
    return checkout.outcome.get_attribute("data-intent")


def stored_payment_methods(sandbox) -> list[str]:
    """Every PaymentMethod the sandbox holds, attached to a customer or not."""
    objects = list(sandbox.sandbox.objects.values())
    return [obj["id"] for obj in objects if obj["object"] == "payment_method"]


def returned_params(page, shop_url: str) -> dict[str, str]:
    page.wait_for_url(f"{shop_url}/return?**")
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    return {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items()}


def test_typing_a_test_card_pays(checkout, stripe_client):
    checkout.open()
    checkout.fill_card("4242 4242 4242 4242")
    expect(checkout.card_state).to_have_text("Card details: complete")

    checkout.pay()

    intent = stripe_client.v1.payment_intents.retrieve(paid_intent_id(checkout))
    assert intent.status == "succeeded"
    assert intent.amount == checkout.amount
    method = stripe_client.v1.payment_methods.retrieve(intent.payment_method)
    assert method.card.last4 == "4242"
    assert method.billing_details.address.postal_code == "12345"


def test_declined_card_shows_stripes_message(checkout, stripe_client):
    checkout.open()
    checkout.fill_card("4000000000000002")

    checkout.pay()

    expect(checkout.error).to_have_text(DECLINED)
    expect(checkout.error).to_have_attribute("data-code", "card_declined")
    intents = stripe_client.v1.payment_intents.list()
    assert [i.status for i in intents.data] == ["requires_payment_method"]
    assert intents.data[0].last_payment_error.decline_code == "generic_decline"


def test_invalid_number_is_refused_before_any_request(checkout, sandbox, test_shop_server):
    api_calls = []
    checkout.page.on(
        "request", lambda r: api_calls.append(r.url) if "/v1/" in r.url else None
    )
    checkout.open()
    intents_before = test_shop_server.app.config["intents_created"]
    checkout.fill_card("4242424242424241")

    checkout.pay()

    expect(checkout.error).to_have_text("Your card number is invalid.")
    expect(checkout.error).to_have_attribute("data-code", "invalid_number")
    expect(checkout.frame.get_by_text("Your card number is invalid.")).to_be_visible()
    expect(checkout.frame.get_by_label("Card number")).to_have_attribute("aria-invalid", "true")
    assert api_calls == []
    assert stored_payment_methods(sandbox) == []
    assert test_shop_server.app.config["intents_created"] == intents_before

    # The recorder does see the frame's calls: once the number is right, it pays.
    checkout.frame.get_by_label("Card number").fill("4242 4242 4242 4242")
    checkout.pay()
    paid_intent_id(checkout)
    assert f"{sandbox.url}/v1/payment_methods" in api_calls
    assert len(stored_payment_methods(sandbox)) == 1


@pytest.mark.parametrize(
    ("number", "expiry", "cvc", "postal_code", "message"),
    [
        ("4242 4242 4242", None, "123", "12345", "Your card number is incomplete."),
        ("4242424242424242", "01 / 20", "123", "12345",
         "Your card's expiration year is in the past."),
        ("4242424242424242", "12 / 3", "123", "12345",
         "Your card's expiration date is incomplete."),
        ("4242424242424242", None, "12", "12345", "Your card's security code is incomplete."),
        ("378282246310005", None, "123", "12345", "Your card's security code is incomplete."),
        ("4242424242424242", None, "123", "", "Your postal code is incomplete."),
    ],
)
def test_submit_validates_like_stripe(checkout, number, expiry, cvc, postal_code, message):
    checkout.open()
    checkout.fill_card(number, expiry=expiry, cvc=cvc, postal_code=postal_code)

    checkout.pay()

    expect(checkout.error).to_have_text(message)


def test_amex_takes_a_four_digit_security_code(checkout, stripe_client):
    checkout.open()
    checkout.fill_card("3782 822463 10005", cvc="1234")

    checkout.pay()

    intent = stripe_client.v1.payment_intents.retrieve(paid_intent_id(checkout))
    method = stripe_client.v1.payment_methods.retrieve(intent.payment_method)
    assert method.card.brand == "amex"


def test_three_d_secure_complete_succeeds(checkout, stripe_client):
    checkout.open()
    checkout.fill_card("4000002500003155")

    checkout.pay()

    expect(checkout.page.get_by_role("dialog", name="3D Secure authentication")).to_be_visible()
    checkout.challenge.get_by_role("button", name="Complete").click()
    intent_id = paid_intent_id(checkout)
    expect(checkout.page.get_by_role("dialog")).to_have_count(0)
    assert stripe_client.v1.payment_intents.retrieve(intent_id).status == "succeeded"


def test_three_d_secure_fail_fails_with_stripes_message(checkout, stripe_client):
    checkout.open()
    checkout.fill_card("4000002500003155")

    checkout.pay()
    checkout.challenge.get_by_role("button", name="Fail").click()

    expect(checkout.error).to_have_text(AUTHENTICATION_FAILED)
    expect(checkout.error).to_have_attribute("data-code", "payment_intent_authentication_failure")
    (intent,) = stripe_client.v1.payment_intents.list().data
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "payment_intent_authentication_failure"


def test_closing_the_challenge_fails_authentication(checkout, stripe_client):
    checkout.open()
    checkout.fill_card("4000002760003184")

    checkout.pay()
    checkout.challenge.get_by_role("button", name="Complete").wait_for()
    checkout.page.get_by_role("button", name="Close authentication").click()

    expect(checkout.error).to_have_text(AUTHENTICATION_FAILED)
    expect(checkout.page.get_by_role("dialog")).to_have_count(0)
    (intent,) = stripe_client.v1.payment_intents.list().data
    assert intent.status == "requires_payment_method"


def test_the_challenge_keeps_the_keyboard_and_escape_closes_it_from_inside(
    checkout, stripe_client
):
    checkout.open()
    checkout.fill_card("4000002760003184")
    checkout.pay()
    complete = checkout.challenge.get_by_role("button", name="Complete")
    complete.wait_for()

    # Tab goes round the dialog (and out to the browser), never to the page behind it.
    dialog = checkout.page.get_by_role("dialog", name="3D Secure authentication")
    in_dialog_or_browser = (
        "d => d.contains(document.activeElement) || document.activeElement === document.body")
    for _ in range(8):
        checkout.page.keyboard.press("Tab")
        assert dialog.evaluate(in_dialog_or_browser)

    complete.focus()
    checkout.page.keyboard.press("Escape")  # pressed inside the bank's frame

    expect(checkout.error).to_have_text(AUTHENTICATION_FAILED)
    expect(checkout.page.get_by_role("dialog")).to_have_count(0)
    (intent,) = stripe_client.v1.payment_intents.list().data
    assert intent.status == "requires_payment_method"


def test_redirect_always_lands_on_return_url(checkout, stripe_client):
    checkout.open(redirect="always")
    checkout.fill_card("4242424242424242")

    checkout.pay()

    params = returned_params(checkout.page, checkout.shop_url)
    assert params["redirect_status"] == "succeeded"
    intent = stripe_client.v1.payment_intents.retrieve(params["payment_intent"])
    assert params["payment_intent_client_secret"] == intent.client_secret
    assert intent.status == "succeeded"


def test_redirect_always_after_a_challenge_in_the_modal(checkout, stripe_client):
    checkout.open(flow="intent", redirect="always")
    checkout.fill_card("4000002500003155")

    checkout.pay()
    checkout.challenge.get_by_role("button", name="Complete").click()

    params = returned_params(checkout.page, checkout.shop_url)
    assert params["redirect_status"] == "succeeded"
    assert stripe_client.v1.payment_intents.retrieve(params["payment_intent"]).status == (
        "succeeded"
    )


@pytest.mark.parametrize(
    ("button", "redirect_status", "status"),
    [("Complete", "succeeded", "succeeded"), ("Fail", "failed", "requires_payment_method")],
)
def test_redirect_card_authenticates_on_a_full_page(
    checkout, stripe_client, sandbox, button, redirect_status, status
):
    checkout.open(redirect="if_required")
    checkout.fill_card("4000000000003063")

    checkout.pay()

    checkout.page.wait_for_url(f"{sandbox.url}/v3/challenge?**")
    checkout.page.get_by_role("button", name=button).click()
    params = returned_params(checkout.page, checkout.shop_url)
    assert params["redirect_status"] == redirect_status
    intent = stripe_client.v1.payment_intents.retrieve(params["payment_intent"])
    assert params["payment_intent_client_secret"] == intent.client_secret
    assert intent.status == status


def test_confirm_setup_saves_the_card_to_the_customer(checkout, stripe_client):
    checkout.open(flow="setup")
    checkout.fill_card("5555 5555 5555 4444")

    checkout.pay()

    expect(checkout.outcome).to_have_text("Setup succeeded")
    setup_intent = stripe_client.v1.setup_intents.retrieve(
        checkout.outcome.get_attribute("data-intent")
    )
    saved = stripe_client.v1.customers.payment_methods.list(setup_intent.customer)
    assert [(m.id, m.card.last4) for m in saved.data] == [(setup_intent.payment_method, "4444")]


def test_handle_next_action_runs_the_challenge(checkout, stripe_client):
    checkout.open()
    intent = stripe_client.v1.payment_intents.create(
        {"amount": checkout.amount, "currency": "usd", "payment_method_types": ["card"]}
    )
    intent = stripe_client.v1.payment_intents.confirm(
        intent.id,
        {
            "payment_method": "pm_card_threeDSecure2Required",
            "use_stripe_sdk": True,
            "return_url": f"{checkout.shop_url}/return",
        },
    )
    assert intent.status == "requires_action"

    checkout.page.evaluate(
        "secret => { window.nextAction = stripe.handleNextAction({clientSecret: secret}); }",
        intent.client_secret,
    )
    checkout.challenge.get_by_role("button", name="Complete").click()
    result = checkout.page.evaluate("() => window.nextAction")

    assert result["paymentIntent"]["status"] == "succeeded"
    retrieved = checkout.page.evaluate(
        "secret => stripe.retrievePaymentIntent(secret)", intent.client_secret
    )
    assert retrieved["paymentIntent"]["id"] == intent.id


def test_integration_mistakes_are_reported_as_stripe_does(checkout):
    checkout.open()

    name = checkout.page.evaluate(
        """() => {
            try {
                Stripe("pk_test_x").elements({clientSecret: "pi_1_secret_2", mode: "payment",
                                              amount: 100, currency: "usd"});
            } catch (error) {
                return error.name;
            }
        }"""
    )
    result = checkout.page.evaluate(
        """() => stripe.confirmPayment({elements, clientSecret: "pi_1_secret_2",
                                        redirect: "if_required"})"""
    )

    assert name == "IntegrationError"
    assert result["error"]["message"].startswith(
        "elements.submit() must be called before stripe.confirmPayment(). Call elements.submit()"
        " as soon as your customer presses pay, prior to any asynchronous work."
    )


def test_change_events_follow_the_customer(checkout):
    checkout.open()
    checkout.frame.get_by_label("Card number").fill("4242424242424242")
    expect(checkout.card_state).to_have_text("Card details: incomplete")
    checkout.frame.get_by_label("Expiration date").fill(checkout.future_expiry())
    checkout.frame.get_by_label("Security code").fill("123")
    checkout.frame.get_by_label("ZIP").fill("94107")
    expect(checkout.card_state).to_have_text("Card details: complete")
    expect(checkout.frame.get_by_label("Card number")).to_have_value("4242 4242 4242 4242")
