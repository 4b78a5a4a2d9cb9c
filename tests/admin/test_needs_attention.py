"""The dashboard's "Needs attention now": what still needs a person, however long ago it
began. The windows count only what began within them; an old dispute still open is
as urgent as a new one."""

import html
import re
from datetime import timedelta

import pytest

from shop.extensions import db
from shop.models import Dispute, Order, utcnow
from shop.services import reports
from tests.db_support import statements


@pytest.fixture
def now():
    return utcnow()


def attention(page: str) -> dict[str, str]:
    """The section's figures as the admin reads them: label -> text."""
    section = re.search(r'<section[^>]*aria-labelledby="attention-heading".*?</section>', page,
                        re.S).group(0)
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", section, re.S)
    return {_text(label): _text(value) for label, value in pairs}


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def test_an_old_open_dispute_and_an_old_failed_event_still_need_a_person(
    admin_client, make_order, make_event, now
):
    disputed = make_order(total_minor=5000, created_at=now - timedelta(days=40), payment={},
                          dispute="needs_response")
    dispute = db.session.execute(
        db.select(Dispute).where(Dispute.order_id == disputed.id)).scalar_one()
    dispute.evidence_due_by = now + timedelta(days=7)
    db.session.commit()
    make_event(status="failed", last_error="KeyError: 'charge'",
               received_at=now - timedelta(days=31))

    page = admin_client.get("/admin/").get_data(as_text=True)

    due = (now + timedelta(days=7)).strftime("%Y-%m-%d %H:%M UTC")
    figures = attention(page)
    assert figures["Open disputes"] == f"1 (evidence due by {due})"
    assert figures["Failed webhook events"] == "1"
    assert 'href="/admin/orders?dispute=open"' in page
    assert page.count('href="/admin/events?status=failed"') == 1  # the windows show 0
    # The windows still count what began in them, as before.
    assert page.count("<dd>0 <span class=\"muted\">(0 still open)</span></dd>") == 3


def test_an_inquiry_under_review_is_an_open_dispute(admin_client, make_order, now):
    inquiry = make_order(total_minor=5000, created_at=now - timedelta(days=3), payment={},
                         dispute="warning_under_review")  # the shop answered; the bank decides
    closed = make_order(total_minor=2000, created_at=now - timedelta(days=3), payment={},
                        dispute="won")

    page = admin_client.get("/admin/").get_data(as_text=True)

    assert attention(page)["Open disputes"] == "1"
    listed = admin_client.get("/admin/orders?dispute=open").get_data(as_text=True)
    assert inquiry.number in listed and closed.number not in listed


def test_orders_stuck_in_processing_are_counted_and_listed_by_status(
    admin_client, make_order, now
):
    stuck = make_order(status="processing", created_at=now - timedelta(hours=6),
                       payment={"status": "processing"})
    make_order(status="processing", created_at=now - timedelta(hours=6))  # moved an hour ago
    make_order(status="pending", created_at=now - timedelta(hours=6))
    db.session.execute(db.update(Order).values(updated_at=now - timedelta(hours=1)))
    db.session.execute(db.update(Order).where(Order.id == stuck.id)
                       .values(updated_at=now - timedelta(hours=5)))
    db.session.commit()

    page = admin_client.get("/admin/").get_data(as_text=True)

    assert attention(page)["Processing for over 4 hours"] == "1 (all processing orders)"
    assert 'href="/admin/orders?status=processing"' in page
    listed = admin_client.get("/admin/orders?status=processing").get_data(as_text=True)
    assert stuck.number in listed


def test_failed_refunds_count_until_a_new_refund_is_asked_for(
    admin_client, make_order, make_refund, now
):
    first = make_order(total_minor=4000, created_at=now - timedelta(days=60), payment={})
    second = make_order(total_minor=3000, created_at=now - timedelta(days=2), payment={})
    retried = make_order(total_minor=2000, created_at=now - timedelta(days=2), payment={})
    failed_at = {
        make_refund(first, 4000, status="failed", created_at=now - timedelta(days=59)): 59,
        make_refund(retried, 2000, status="failed", created_at=now - timedelta(days=2)): 2,
        make_refund(second, 500, status="failed", created_at=now - timedelta(days=2)): 1,
    }
    for refund, days in failed_at.items():  # each failed a while after it was asked for
        refund.updated_at = now - timedelta(days=days) + timedelta(hours=1)
    db.session.commit()
    make_refund(second, 1000, status="succeeded", created_at=now - timedelta(days=2))
    make_refund(retried, 2000, status="succeeded")  # asked again after it failed

    page = admin_client.get("/admin/").get_data(as_text=True)

    assert attention(page)["Failed refunds"] == f"2 (orders {second.number}, {first.number})"
    assert f'href="/admin/orders/{first.number}"' in page
    assert f'href="/admin/orders/{retried.number}"' not in page


def test_a_refund_cancelled_after_one_failed_leaves_the_failed_one_counted(
    admin_client, make_order, make_refund, now
):
    order = make_order(total_minor=4000, created_at=now - timedelta(days=3), payment={})
    failed = make_refund(order, 4000, status="failed", created_at=now - timedelta(days=3))
    failed.updated_at = now - timedelta(days=2)  # the bank returned it a day later
    db.session.commit()
    # A new refund asked for since, which was cancelled: no money went back either.
    make_refund(order, 4000, status="canceled", created_at=now - timedelta(days=1))

    page = admin_client.get("/admin/").get_data(as_text=True)

    assert attention(page)["Failed refunds"] == f"1 (order {order.number})"


def test_with_nothing_to_do_the_section_says_so(admin_client):
    figures = attention(admin_client.get("/admin/").get_data(as_text=True))
    assert figures == {
        "Open disputes": "0",
        "Failed webhook events": "0",
        "Processing for over 4 hours": "0",
        "Failed refunds": "0",
        "Last webhook received": "none yet",
    }


def test_the_section_costs_the_same_few_statements_however_much_needs_attention(
    admin_client, make_order, make_refund, make_event, now
):
    def add(n: int) -> None:
        for _ in range(n):
            make_order(created_at=now - timedelta(days=45), payment={}, dispute="needs_response")
            make_event(status="failed", received_at=now - timedelta(days=45))
            make_refund(make_order(created_at=now - timedelta(days=45), payment={}), 2500,
                        status="failed")
            make_order(created_at=now - timedelta(hours=1), payment={})  # no webhook came
            make_order(status="processing", created_at=now - timedelta(days=45))
        db.session.execute(db.update(Order).where(Order.status == "processing")
                           .values(updated_at=now - timedelta(days=45)))
        db.session.commit()

    def counted():
        admin_client.get("/admin/")  # warm the session and caches
        with statements(None) as page:
            assert admin_client.get("/admin/").status_code == 200
        with statements(None) as section:
            reports.needs_attention()
        return len(page), len(section)

    add(1)
    few = counted()
    add(20)
    assert counted() == few
    assert few[1] <= 3, few
