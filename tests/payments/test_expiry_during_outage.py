"""`flask orders expire` while Stripe is down: it stops at the first order Stripe does not
answer about, rather than waiting out every retry for each order in turn (with its row
locked) until the next run starts on top of it."""

from datetime import timedelta

import pytest

from shop.extensions import db
from shop.models import Order, utcnow
from tests.payments_support import reload


def reserved_until(order, minutes_ago: int) -> None:
    db.session.get(Order, order.id).reserved_until = utcnow() - timedelta(minutes=minutes_ago)
    db.session.commit()


@pytest.mark.parametrize(("mode", "seconds"), [("error", 0), ("timeout", 0.2)])
def test_expiry_stops_at_the_first_order_stripe_does_not_answer_about(
    shopper, make_product, runner, sandbox, stripe_api, mode, seconds
):
    without_intent, unanswered, next_one = (
        shopper.checkout((make_product(stock=4), 1)) for _ in range(3)
    )
    intents = {order.number: shopper.start(order).get_json()["intent_id"]
               for order in (unanswered, next_one)}
    for minutes_ago, order in enumerate((next_one, unanswered, without_intent), start=1):
        reserved_until(order, minutes_ago)  # expired in this order, oldest first
    sandbox.control.fault(f"/v1/payment_intents/{intents[unanswered.number]}", mode,
                          count=1000, seconds=seconds)

    result = runner.invoke(args=["orders", "expire"])

    assert result.exit_code == 1  # cron mails it
    lines = result.output.splitlines()
    assert lines[0] == f"{without_intent.number}: canceled"
    assert lines[1].startswith(f"{unanswered.number}: left pending (")
    assert lines[2:] == [
        "Stopped early, a call to Stripe failed: 1 more expired order(s) left for the next run.",
        "1 expired order(s) handled, 2 left pending.",
    ]
    assert [reload(o).status for o in (without_intent, unanswered, next_one)] == [
        "canceled", "pending", "pending"]
    # Stripe was not asked about the next order at all.
    assert stripe_api.v1.payment_intents.retrieve(intents[next_one.number]).status == (
        "requires_payment_method")

    sandbox.control.clear_faults()
    again = runner.invoke(args=["orders", "expire", "--quiet"])
    assert (again.exit_code, again.output) == (0, "")  # the next run goes on
    assert [reload(o).status for o in (unanswered, next_one)] == ["canceled", "canceled"]
