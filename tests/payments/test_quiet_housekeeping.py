"""`flask orders expire --quiet` and `flask stripe reconcile --quiet`, as cron runs them:
cron mails whatever a command prints, so a run that needed nobody prints nothing, and one
that left work undone says what and why."""

import logging

from tests.payments.test_stock_and_expiry import expire_now
from tests.payments_support import reload


def payment_log_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "shop.payments" and r.levelno < logging.WARNING]


def test_expiry_that_went_well_prints_nothing_when_quiet(shopper, make_product, runner, caplog):
    orders = [shopper.checkout((make_product(stock=4), 1)) for _ in range(2)]
    shopper.start(orders[0])  # one with an intent to cancel at Stripe, one without
    for order in orders:
        expire_now(order)
    caplog.clear()

    result = runner.invoke(args=["orders", "expire", "--quiet"])

    assert (result.exit_code, result.output) == (0, "")
    assert [reload(order).status for order in orders] == ["canceled", "canceled"]
    assert payment_log_lines(caplog) == []  # on stderr, cron would mail them too
    # The payment log is back to normal after the command.
    assert logging.getLogger("shop.payments").getEffectiveLevel() == logging.INFO


def test_expiry_without_quiet_still_reports_each_order(shopper, make_product, runner, caplog):
    order = shopper.checkout((make_product(stock=4), 1))
    shopper.start(order)
    expire_now(order)
    caplog.clear()

    result = runner.invoke(args=["orders", "expire"])

    assert result.output == (f"{order.number}: canceled\n"
                             "1 expired order(s) handled, 0 left pending.\n")
    assert payment_log_lines(caplog) != []


def test_expiry_that_left_an_order_pending_says_so_when_quiet(shopper, make_product, runner,
                                                              sandbox):
    order = shopper.checkout((make_product(stock=4), 1))
    intent = shopper.start(order).get_json()
    expire_now(order)
    sandbox.control.fault(f"/v1/payment_intents/{intent['intent_id']}/cancel", "error", count=3)

    result = runner.invoke(args=["orders", "expire", "--quiet"])

    assert result.exit_code == 1
    assert f"{order.number}: left pending (" in result.output
    assert "0 expired order(s) handled, 1 left pending." in result.output
    assert reload(order).status == "pending"


def test_reconcile_that_repaired_orders_prints_nothing_when_quiet(
    shopper, make_product, runner, caplog
):
    order = shopper.checkout((make_product(price_minor=2000), 1))
    shopper.confirm_at_stripe(shopper.start(order).get_json(), "pm_card_visa")  # tab closed
    caplog.clear()

    result = runner.invoke(args=["stripe", "reconcile", "--quiet"])

    assert (result.exit_code, result.output) == (0, "")
    assert reload(order).status == "paid"  # repaired: nobody needs to know
    assert payment_log_lines(caplog) == []


def test_reconcile_that_stopped_early_says_so_when_quiet(
    app, shopper, make_product, sandbox, runner
):
    paid, waiting = (shopper.checkout((make_product(price_minor=2000), 1)) for _ in range(2))
    intents = [shopper.start(order).get_json() for order in (paid, waiting)]
    for intent in intents:
        shopper.confirm_at_stripe(intent, "pm_card_visa")
    app.config["STRIPE_MAX_RETRIES"] = 0
    app.extensions.pop("stripe_client", None)  # the client is built from config once
    sandbox.control.fault(f"/v1/payment_intents/{intents[1]['intent_id']}", "error", count=5)

    result = runner.invoke(args=["stripe", "reconcile", "--quiet"])

    assert result.exit_code == 1
    assert result.output.startswith("Stopped early, a call to Stripe failed: ")
    assert len(result.output.splitlines()) == 1
    assert (reload(paid).status, reload(waiting).status) == ("paid", "pending")


def test_reconcile_reports_an_order_it_had_to_skip_when_quiet(
    shopper, make_product, runner, sandbox
):
    forgotten = shopper.checkout((make_product(price_minor=2000), 1))
    intent = shopper.start(forgotten).get_json()
    sandbox.control.reset()  # Stripe no longer has the intent: a person must look

    result = runner.invoke(args=["stripe", "reconcile", "--quiet"])

    assert result.exit_code == 0
    assert result.output == (f"Skipped {forgotten.number}: Stripe has no payment"
                             f" {intent['intent_id']}; left as it is.\n")


def test_reconcile_leaves_a_partly_refunded_order_and_its_timeline_alone(
    shopper, make_product, runner, stripe_api
):
    order = shopper.checkout((make_product(price_minor=2000), 1))
    _, error, intent = shopper.pay(order, "pm_card_visa")
    assert error is None
    stripe_api.v1.refunds.create({"payment_intent": intent["intent_id"], "amount": 500})
    assert runner.invoke(args=["stripe", "reconcile", "--quiet"]).exit_code == 0
    order = reload(order)
    assert order.status == "partially_refunded"
    timeline = [(e.kind, e.message) for e in order.events]

    for _ in range(2):
        result = runner.invoke(args=["stripe", "reconcile", "--quiet"])
        assert (result.exit_code, result.output) == (0, "")

    order = reload(order)
    assert (order.status, order.amount_refunded_minor) == ("partially_refunded", 500)
    assert [(e.kind, e.message) for e in order.events] == timeline
