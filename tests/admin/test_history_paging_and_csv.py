"""The order history, more closely: the latest payment decides the payment filter and the
CSV, paging links appear only where there is something to page to, and every CSV cell
and total says what the admin expects."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from shop.extensions import db
from shop.models import Payment, utcnow
from tests.admin.rollup_support import assert_rollup_exact


def listed(response) -> list[str]:
    """Order numbers in the history table, top to bottom."""
    assert response.status_code == 200
    return re.findall(r'href="/admin/orders/([A-Z0-9]+)"', response.get_data(as_text=True))


def link(response, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', response.get_data(as_text=True))
    return found.group(1).replace("&amp;", "&") if found else None


def csv_rows(client, **query) -> list[dict]:
    response = client.get("/admin/orders.csv", query_string=query)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def paid_on_a_second_attempt(make_order):
    """An order whose first PaymentIntent was cancelled and whose second one paid."""
    order = make_order(email="retry@example.com",
                       payment={"status": "canceled", "intent_id": "pi_first_try"})
    db.session.add(Payment(order_id=order.id, intent_id="pi_second_try", amount_minor=2500,
                           currency=order.currency, status="succeeded", card_brand="visa",
                           card_last4="4242", created_at=utcnow(), updated_at=utcnow()))
    db.session.commit()
    return order


def test_the_payment_filter_goes_by_the_orders_latest_payment(admin_client, make_order):
    order = paid_on_a_second_attempt(make_order)

    assert listed(admin_client.get("/admin/orders?payment=succeeded")) == [order.number]
    assert listed(admin_client.get("/admin/orders?payment=canceled")) == []


def test_the_csv_shows_the_orders_latest_payment(admin_client, make_order):
    order = paid_on_a_second_attempt(make_order)

    [row] = csv_rows(admin_client, q="retry@example.com")

    assert row["number"] == order.number
    assert (row["payment_status"], row["payment_intent"]) == ("succeeded", "pi_second_try")


def test_the_csv_shows_what_was_refunded_beside_the_total(admin_client, make_order):
    make_order(email="part@example.com", status="partially_refunded", total_minor=2500,
               refunded_minor=1000, payment={})

    [row] = csv_rows(admin_client, q="part@example.com")

    assert (row["total"], row["refunded"]) == ("25.00", "10.00")


def test_csv_cells_starting_like_a_formula_are_quoted(admin_client, make_order):
    make_order(email="-2+3@example.com")
    make_order(email="+1@example.com")

    emails = {row["email"] for row in csv_rows(admin_client)}

    assert emails == {"'-2+3@example.com", "'+1@example.com"}


def test_a_searched_summary_says_how_much_was_refunded(admin_client, make_order):
    make_order(email="eve@example.com", status="partially_refunded", total_minor=4000,
               refunded_minor=1500, payment={})
    make_order(email="eve@example.com", total_minor=1000, payment={})

    page = admin_client.get("/admin/orders?q=eve@example.com").get_data(as_text=True)

    assert "2 orders match" in page
    assert re.search(r'data-testid="total-usd">\$50\.00</strong> \(\$15\.00 refunded\)', page)


def test_the_first_page_offers_older_orders_and_nothing_newer(app, admin_client, make_order):
    app.config["ADMIN_ORDERS_PER_PAGE"] = 2
    for _ in range(3):
        make_order()

    first = admin_client.get("/admin/orders")

    assert link(first, "next") is not None
    assert link(first, "prev") is None
    assert ">Newest</a>" not in first.get_data(as_text=True)


def test_walking_back_up_to_the_newest_page_offers_older_orders_and_nothing_newer(
    app, admin_client, make_order
):
    app.config["ADMIN_ORDERS_PER_PAGE"] = 2
    newest_first = [o.number for o in reversed([make_order() for _ in range(4)])]
    second = admin_client.get(link(admin_client.get("/admin/orders"), "next"))
    assert listed(second) == newest_first[2:]

    top = admin_client.get(link(second, "prev"))

    assert listed(top) == newest_first[:2]
    assert link(top, "prev") is None  # nothing is newer than the newest
    assert listed(admin_client.get(link(top, "next"))) == newest_first[2:]


def test_an_order_stamped_in_local_time_counts_on_its_utc_day(admin_client, make_order):
    # 00:30 in Berlin on 2 March is 23:30 UTC on 1 March.
    order = make_order(created_at=datetime(2026, 3, 2, 0, 30, tzinfo=ZoneInfo("Europe/Berlin")))
    assert order.created_at.astimezone(UTC).date().isoformat() == "2026-03-01"

    page = admin_client.get("/admin/orders?date_from=2026-03-01&date_to=2026-03-01")

    assert listed(page) == [order.number]
    assert "1 order matches" in page.get_data(as_text=True)
    assert_rollup_exact()


def test_an_order_number_typed_in_lower_case_opens_its_page(admin_client, make_order):
    order = make_order(created_at=utcnow() - timedelta(hours=1))

    response = admin_client.get(f"/admin/orders/{order.number.lower()}")

    assert response.status_code == 200
    assert order.number in response.get_data(as_text=True)


def test_newer_orders_from_the_third_page_is_the_second_page(app, admin_client, make_order):
    app.config["ADMIN_ORDERS_PER_PAGE"] = 2
    newest_first = [o.number for o in reversed([make_order() for _ in range(6)])]
    second = admin_client.get(link(admin_client.get("/admin/orders"), "next"))
    third = admin_client.get(link(second, "next"))
    assert listed(third) == newest_first[4:]

    back = admin_client.get(link(third, "prev"))

    assert listed(back) == newest_first[2:4]
    assert link(back, "prev") is not None  # the first page is newer still
