"""Payment health numbers checked against a data set small enough to count by hand."""

import re
from datetime import timedelta

import pytest

from shop.extensions import db
from shop.models import OrderEvent, utcnow
from shop.services import reports


@pytest.fixture
def now():
    return utcnow()


@pytest.fixture
def hand_made(now, make_order, make_refund, make_event):
    """Within 24 h: two paid orders ($20 + $30), a $5 refund, one decline on the timeline,
    one card_declined payment with no timeline entry, one failed webhook event.
    Within 7 d (3 days ago): a $50 order, now disputed (needs response), a lost dispute,
    an insufficient-funds decline. Within 30 d (20 days ago): a $100 order refunded in full.
    Outside every window (40 days ago): a $999 order and a failed event."""
    hour = timedelta(hours=1)
    recent_a = make_order(total_minor=2000, created_at=now - 2 * hour, payment={})
    make_order(total_minor=3000, created_at=now - 3 * hour, payment={})
    make_refund(recent_a, 500, created_at=now - hour)
    make_refund(recent_a, 700, status="failed", created_at=now - hour)  # not money back
    pending = make_order(status="pending", created_at=now - 4 * hour,
                         payment={"status": "requires_payment_method",
                                  "failure_code": "card_declined"})
    _failure(pending, "card_declined", now - 4 * hour)
    make_order(status="pending", created_at=now - 5 * hour,
               payment={"status": "requires_payment_method", "failure_code": "expired_card"})
    make_event(status="failed", last_error="boom", received_at=now - hour)
    make_event(status="processed", received_at=now - hour)

    three_days = now - timedelta(days=3)
    disputed = make_order(total_minor=5000, created_at=three_days, payment={},
                          dispute="needs_response")
    make_order(total_minor=1000, created_at=three_days, payment={}, dispute="lost")
    _failure(disputed, "insufficient_funds", three_days)
    _failure(disputed, "card_declined", three_days)

    old = make_order(total_minor=10000, status="refunded", refunded_minor=10000,
                     created_at=now - timedelta(days=20), payment={})
    make_refund(old, 10000, created_at=now - timedelta(days=19))

    make_order(total_minor=99900, created_at=now - timedelta(days=40), payment={})
    make_event(status="failed", received_at=now - timedelta(days=40))
    db.session.commit()


def _failure(order, code, when):
    db.session.add(OrderEvent(order_id=order.id, kind="payment_failed", created_at=when,
                              message=f"Payment failed ({code})", actor="stripe",
                              data={"code": code, "intent": "pi_x"}))


def test_health_numbers_match_the_hand_made_data(hand_made, now):
    day, week, month = reports.health_windows("usd", now=now)

    assert (day.revenue_minor, day.orders_paid, day.failed_attempts) == (5000, 2, 2)
    assert day.success_rate == pytest.approx(2 / 4)
    assert day.decline_codes == [("card_declined", 1), ("expired_card", 1)]
    assert day.refunded_minor == 500 and day.refund_rate == pytest.approx(0.1)
    assert (day.disputes_opened, day.disputes_open, day.failed_events) == (0, 0, 1)

    assert (week.revenue_minor, week.orders_paid, week.failed_attempts) == (11000, 4, 4)
    assert week.success_rate == pytest.approx(4 / 8)
    assert week.decline_codes[0] == ("card_declined", 2)
    assert set(week.decline_codes[1:]) == {("expired_card", 1), ("insufficient_funds", 1)}
    assert (week.disputes_opened, week.disputes_open) == (2, 1)

    assert (month.revenue_minor, month.orders_paid) == (21000, 5)
    assert month.refunded_minor == 10500
    assert month.refund_rate == pytest.approx(10500 / 21000)
    assert month.failed_events == 1


def test_no_attempts_means_no_rate(app, now):
    health = reports.payment_health("24 hours", now - timedelta(days=1), "usd", until=now)
    assert health.success_rate is None and health.refund_rate is None


def test_revenue_per_day_buckets_by_utc_day(hand_made, now):
    series = reports.revenue_per_day("usd", days=30, today=now.date())
    assert len(series) == 30 and series[-1][0] == now.date()
    assert sum(amount for _, amount in series) == 21000
    by_day = dict(series)
    assert by_day[(now - timedelta(days=20)).date()] == 10000
    assert by_day[(now - timedelta(days=3)).date()] == 6000


def test_dashboard_shows_the_three_windows_and_an_svg_chart(admin_client, hand_made):
    page = admin_client.get("/admin/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for heading in ("Payment health", "Last 24 hours", "Last 7 days", "Last 30 days",
                    "Revenue per day"):
        assert heading in html
    assert "Logged in as " in html  # as the menu's "Log out" says
    assert "$50.00" in html and "50.0%" in html and "<code>card_declined</code> (2)" in html
    svg = re.search(r"<svg[^>]*>", html).group(0)
    assert 'role="img"' in svg and "Revenue per day for the last 30 days" in svg
    assert html.count('class="chart-bar"') == 30
    assert "<script" not in html.split("<main", 1)[1]
    assert 'href="/admin/events?status=failed"' in html


def test_success_rate_counts_payments_in_every_currency_as_it_counts_failures(
    app, make_order, now
):
    # The shop sold in EUR until recently: that payment worked, as the USD one did.
    make_order(total_minor=2000, currency="eur", created_at=now - timedelta(hours=2), payment={})
    make_order(total_minor=3000, created_at=now - timedelta(hours=2), payment={})
    declined = make_order(status="pending", created_at=now - timedelta(hours=1),
                          payment={"status": "requires_payment_method",
                                   "failure_code": "card_declined"})
    _failure(declined, "card_declined", now - timedelta(hours=1))
    db.session.commit()

    day = reports.payment_health("24 hours", now - timedelta(days=1), "usd", until=now)

    assert (day.revenue_minor, day.orders_paid) == (3000, 1)  # money in the shop's currency
    assert day.success_rate == pytest.approx(2 / 3)  # not 1 of 2


def test_revenue_per_day_leaves_out_a_day_s_orders_in_another_currency(app, make_order, now):
    usd = make_order(total_minor=3000, created_at=now - timedelta(minutes=5), payment={})
    # Paid the same day, in the currency the shop sold in until recently.
    make_order(total_minor=2000, currency="eur", created_at=now - timedelta(minutes=5),
               payment={})

    series = reports.revenue_per_day("usd", days=30, today=now.date())

    assert dict(series)[usd.paid_at.date()] == 3000
    assert sum(amount for _, amount in series) == 3000
