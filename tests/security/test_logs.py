"""Logs: one structured line per payment action and webhook, and never a secret.

A whole story is logged, webhooks included: a decline, a payment, a card saved, a
customer back from 3-D Secure with the client secret in the URL (as Stripe sends
them), and a careless request carrying a card number. Then every logged line,
the shop's and the web server's, is searched for keys, client secrets and anything
that passes the Luhn check.
"""

import json
import logging
import re

import pytest
import requests

from shop.logs import luhn_valid, scrub
from tests.payments_support import SECRET_KEY, WEBHOOK_SECRET, settle_webhooks
from tests.security.leaks import card_numbers, secrets_in

TYPED_WITH_SPACES = "4000 0000 0000 0259"
CARDS_TYPED = ("4242424242424242", "4000056655665556", "378282246310005")


def payment_lines(records) -> list[dict]:
    return [json.loads(r.getMessage()) for r in records if r.name == "shop.payments"]


@pytest.fixture
def captured(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def test_a_whole_pay_flow_logs_one_line_per_action_and_no_secret(
    captured, shopper, make_product, make_user, auth, browser_stripe, sandbox, webhooks_on
):
    make_user(email="ann@example.com", password="ann-pass-123")
    auth.login("ann@example.com", "ann-pass-123")
    order = shopper.checkout((make_product(price_minor=2500), 1), email="ann@example.com")
    _, declined, _ = shopper.pay(order, "pm_card_visa_chargeDeclined")
    response, error, intent = shopper.pay(order, "pm_card_visa", save_card=True)
    assert declined is not None and error is None
    assert response.get_json()["status"] == "paid"
    settle_webhooks(sandbox)

    # Back from a bank page, as Stripe.js sends customers: the secret is in the query.
    with requests.Session() as browser:
        browser.get(f"{webhooks_on.url}/orders/{order.number}/return", params={
            "payment_intent": intent["intent_id"],
            "payment_intent_client_secret": intent["client_secret"],
            "redirect_status": "succeeded",
        })
        browser.get(f"{webhooks_on.url}/cart/", params={"note": "4242424242424242"})
        # Typed with spaces into a form sent by GET ("+"), and into a link ("%20").
        browser.get(f"{webhooks_on.url}/cart/", params={"q": TYPED_WITH_SPACES})
        browser.get(f"{webhooks_on.url}/products/{TYPED_WITH_SPACES.replace(' ', '%20')}")

    lines = payment_lines(captured.records)
    actions = [line["action"] for line in lines]
    assert "payment.intent" in actions and "payment.sync" in actions
    created = next(line for line in lines if line["action"] == "payment.intent")
    assert created["order"] == order.number and created["intent"] == intent["intent_id"]
    handled = [line for line in lines if line["action"] == "webhook.handled"]
    attempts = sum(len(d["attempts"]) for d in sandbox.control.deliveries())
    assert len(handled) == attempts > 0  # one line per delivery
    assert all(line["event"].startswith("evt_") and line["outcome"] for line in handled)
    synced = [line for line in lines if line["action"] == "payment.sync" and "event" in line]
    assert synced and all(line["order"] == order.number for line in synced)
    # The decline says why, in Stripe's words, beside the intent it happened on.
    failed = [line for line in lines if line["action"] == "payment.sync"
              and line["status"] == "requires_payment_method"]
    assert failed and {line["failure"] for line in failed} == {"generic_decline"}

    everything = captured.text + "\n".join(r.getMessage() for r in captured.records)
    assert intent["client_secret"] not in everything
    assert secrets_in(everything) == []
    assert card_numbers(everything) == []
    assert "0000+0259" not in everything and "0000%200259" not in everything
    assert "[redacted]" in everything  # the request lines were written, then scrubbed
    assert SECRET_KEY not in everything and WEBHOOK_SECRET not in everything


@pytest.mark.parametrize(
    "text",
    [
        "key sk_live_abcDEF123 and sk_test_x1",
        "whsec_test_shop",
        "pi_3Abc_secret_Xyz9",
        "/orders/N/return?payment_intent=pi_1&payment_intent_client_secret=abc&x=1",
        "card 4242424242424242 and 4000-0566-5566-5556 and 378282246310005",
        "GET /admin/orders?q=4000+0566+5566+5556 HTTP/1.1",
        "GET /products/%204000%200566%205566%205556 HTTP/1.1",
        # Typed with the expiry or CVC after it: digits on both sides of the gap.
        "GET /cart/?q=4242424242424242+12%2F34 HTTP/1.1",
        "GET /products/4000056655665556%20123",
        "card 4242424242424242 12/34 cvc 123",
        "q=12%204000+0566+5566+5556",
    ],
)
def test_scrub_removes_keys_secrets_and_card_numbers(text):
    cleaned = scrub(text)
    assert secrets_in(cleaned) == [] and "client_secret=abc" not in cleaned
    joined = re.sub(r"%20|[ +-]", "", cleaned)
    assert card_numbers(joined) == []
    assert not any(card in joined for card in CARDS_TYPED)  # beside other digits too


def test_scrub_keeps_ordinary_numbers():
    line = "order ABCD234567 total 123456789012 at 1712345678 id 4242424242424241"
    assert not luhn_valid("4242424242424241")
    assert scrub(line) == line
    grouped = "lines 1234 5678 9012 3456 789 and 1 2 3"  # no 13 to 19 of them pass Luhn
    assert scrub(grouped) == grouped
