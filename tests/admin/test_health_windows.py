"""The payment health dashboard, more closely: declines counted when they happened and
named even without a code, the evidence deadline still ahead, and a shop that never
heard from Stripe's webhooks warned about anything paid in the last 30 days."""

from datetime import timedelta

import pytest

from shop.extensions import db
from shop.models import Dispute, OrderEvent, utcnow
from shop.services import reports
from tests.admin.test_needs_attention import attention


@pytest.fixture
def now():
    return utcnow()


def test_a_payment_started_long_ago_that_failed_today_counts_as_todays_decline(
    make_order, now
):
    make_order(status="pending", created_at=now - timedelta(days=10),
               payment={"status": "requires_payment_method", "failure_code": "card_declined",
                        "created_at": now - timedelta(days=10),
                        "updated_at": now - timedelta(hours=1)})

    day, week, month = reports.health_windows("usd", now=now)

    assert (day.failed_attempts, day.decline_codes) == (1, [("card_declined", 1)])
    assert week.decline_codes == month.decline_codes == [("card_declined", 1)]


def test_a_decline_without_a_code_is_listed_as_unknown(admin_client, make_order, now):
    order = make_order(status="pending", created_at=now - timedelta(hours=2))
    db.session.add(OrderEvent(order_id=order.id, kind="payment_failed",
                              created_at=now - timedelta(hours=1), actor="stripe",
                              message="Payment failed", data={"intent": "pi_x"}))
    db.session.commit()

    page = admin_client.get("/admin/").get_data(as_text=True)

    assert page.count("<li><code>unknown</code> (1)</li>") == 3  # in each window
    assert "<code>None</code>" not in page


def test_payment_health_names_only_the_five_most_common_decline_codes(make_order, now):
    order = make_order(status="pending", created_at=now - timedelta(hours=3))
    codes = ["card_declined"] * 3 + ["insufficient_funds"] * 2 + [
        "expired_card", "incorrect_cvc", "lost_card", "stolen_card", "processing_error"]
    for n, code in enumerate(codes):
        db.session.add(OrderEvent(order_id=order.id, kind="payment_failed", actor="stripe",
                                  created_at=now - timedelta(minutes=n + 1),
                                  message=f"Payment failed ({code})", key=f"failure:{n}",
                                  data={"code": code, "intent": "pi_x"}))
    db.session.commit()

    day = reports.health_windows("usd", now=now)[0]

    assert day.failed_attempts == 10
    assert len(day.decline_codes) == 5
    assert day.decline_codes[:2] == [("card_declined", 3), ("insufficient_funds", 2)]


def test_the_evidence_deadline_shown_is_the_next_one_still_ahead(admin_client, make_order, now):
    overdue = make_order(created_at=now - timedelta(days=20), payment={},
                         dispute="needs_response")
    upcoming = make_order(created_at=now - timedelta(days=2), payment={},
                          dispute="warning_needs_response")
    due = {overdue.id: now - timedelta(days=1), upcoming.id: now + timedelta(days=3)}
    for dispute in db.session.execute(db.select(Dispute)).scalars():
        dispute.evidence_due_by = due[dispute.order_id]
    db.session.commit()

    page = admin_client.get("/admin/").get_data(as_text=True)

    ahead = due[upcoming.id].strftime("%Y-%m-%d %H:%M UTC")
    assert attention(page)["Open disputes"] == f"2 (evidence due by {ahead})"


def test_a_shop_that_never_received_a_webhook_is_warned_of_an_order_paid_days_ago(
    admin_client, make_order, now
):
    make_order(created_at=now - timedelta(days=3), payment={})

    page = " ".join(admin_client.get("/admin/").get_data(as_text=True).split())

    assert ("No webhook from Stripe has arrived yet, though 1 order was paid in the last 30"
            " days.") in page
