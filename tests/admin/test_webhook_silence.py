"""A wrong webhook secret must not look healthy on the dashboard.

Every delivery is refused (400) and nothing is stored, so the inbox shows no failure;
payments still get paid through the pay page. What gives it away is time: Stripe sends
payment_intent.succeeded for every payment, so payments that succeeded well after the
last webhook arrived mean the endpoint or its secret is wrong.
"""

import re
from datetime import timedelta

import pytest

from shop.extensions import db
from shop.models import Order, StripeEvent
from shop.services import webhooks
from tests.payments_support import reload, settle_webhooks

WARNING = re.compile(r"Stripe's webhooks have not arrived since (.+?), though 1 order was"
                     r" paid after that\.\s+Check <code>STRIPE_WEBHOOK_SECRET</code> and the"
                     r" endpoint in Stripe's dashboard", re.S)


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


@pytest.fixture
def endpoint(sandbox, webhooks_on):
    """Stripe's endpoint for the shop, sending the event types the shop handles (as the
    README has it set up) and giving up on a delivery after two attempts."""
    sandbox.control.configure(enabled_events=webhooks.handled_event_types(), max_attempts=2)
    yield webhooks_on
    sandbox.control.configure(enabled_events=["*"], max_attempts=5)


def minutes_pass(minutes: int) -> None:
    """Move every stored time back, as if `minutes` had passed since."""
    gone = timedelta(minutes=minutes)
    for order in db.session.execute(db.select(Order)).scalars():
        order.created_at -= gone
        order.paid_at = order.paid_at and order.paid_at - gone
    for event in db.session.execute(db.select(StripeEvent)).scalars():
        event.received_at -= gone
    db.session.commit()


def stored_events() -> list[StripeEvent]:
    return db.session.execute(db.select(StripeEvent)).scalars().all()


def dashboard(client) -> str:
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def pay_at_stripe(shopper, make_product, email, report=True):
    order = shopper.checkout((make_product(price_minor=2500), 1), email=email)
    intent = shopper.start(order).get_json()
    _, error = shopper.confirm_at_stripe(intent, "pm_card_visa")
    assert error is None
    if report:  # the pay page tells the shop; without it only a webhook can
        assert shopper.report(order, intent["intent_id"]).get_json()["status"] == "paid"
    return order


def test_payments_paid_long_after_the_last_webhook_raise_a_warning(
    app, shopper, make_product, boss, sandbox, endpoint
):
    # Webhooks worked an hour ago.
    pay_at_stripe(shopper, make_product, "early@example.com")
    settle_webhooks(sandbox)
    minutes_pass(60)
    stored = stored_events()
    received = max(event.received_at for event in stored)
    delivered = {d["id"] for d in sandbox.control.deliveries()}

    # Then the shop's secret changed: Stripe's deliveries are all refused.
    app.config["STRIPE_WEBHOOK_SECRET"] = "whsec_not_the_endpoints"
    order = pay_at_stripe(shopper, make_product, "ann@example.com")
    settle_webhooks(sandbox)
    refused = [d for d in sandbox.control.deliveries() if d["id"] not in delivered]
    assert refused and all(not d["delivered"] for d in refused)
    assert {a.get("status_code") for d in refused for a in d["attempts"]} == {400}
    assert reload(order).status == "paid"  # through the pay page
    assert len(stored_events()) == len(stored)

    page = dashboard(boss)
    shown = received.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert shown in page.split("Last webhook received", 1)[1]
    assert not WARNING.search(page)  # its webhook may still be on its way

    minutes_pass(20)
    page = dashboard(boss)
    since = received - timedelta(minutes=20)
    assert WARNING.search(page).group(1) == (
        f'<time datetime="{since.isoformat()}">{since.strftime("%Y-%m-%d %H:%M UTC")}</time>')
    assert 'role="alert"' in page


def test_no_warning_when_the_webhooks_arrive_even_the_one_that_paid_the_order(
    shopper, make_product, boss, sandbox, endpoint
):
    # The customer closed the page: the webhook pays the order, a moment after it arrived.
    order = pay_at_stripe(shopper, make_product, "ann@example.com", report=False)
    settle_webhooks(sandbox)
    assert reload(order).status == "paid"
    latest = db.session.execute(db.select(db.func.max(StripeEvent.received_at))).scalar()
    assert reload(order).paid_at > latest  # the last thing that happened

    minutes_pass(20)
    page = dashboard(boss)
    assert "have not arrived" not in page and 'role="alert"' not in page


def test_a_shop_that_never_received_a_webhook_is_warned_too(
    shopper, make_product, boss, sandbox
):
    pay_at_stripe(shopper, make_product, "ann@example.com")  # no endpoint at all
    minutes_pass(20)
    page = dashboard(boss)
    assert "No webhook from Stripe has arrived yet, though 1 order was paid in the last 30" \
        " days." in " ".join(page.split())
    assert "none yet" in page
