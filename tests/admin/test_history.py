"""The order history: filters and search find exactly the right orders, pages neither skip
nor repeat, the CSV is the filtered list, and a page costs the same queries at any size."""

import csv
import io
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from shop.extensions import db
from shop.models import Order, utcnow
from shop.services import order_rollup
from shop.services.order_history import Cursor


def listed(response) -> list[str]:
    """Order numbers in the history table, top to bottom."""
    assert response.status_code == 200
    return re.findall(r'href="/admin/orders/([A-Z0-9]+)"', response.get_data(as_text=True))


def every_page(client, url: str) -> list[str]:
    """Follow the "Older orders" links from `url` to the end."""
    numbers = []
    while url:
        page = client.get(url)
        numbers += listed(page)
        older = re.search(r'href="([^"]+)" rel="next"', page.get_data(as_text=True))
        url = older.group(1).replace("&amp;", "&") if older else None
    return numbers


@pytest.fixture
def shop_history(make_order):
    """A small, varied history; returns its orders by name."""
    now = utcnow()
    return {
        "paid": make_order(email="ann@example.com", created_at=now - timedelta(days=10),
                           payment={"intent_id": "pi_ann", "card_brand": "visa",
                                    "card_last4": "4242"}),
        "pending": make_order(email="bob@example.com", status="pending",
                              created_at=now - timedelta(days=5),
                              payment={"status": "requires_payment_method",
                                       "failure_code": "card_declined"}),
        "no_payment": make_order(email="bob@example.com", status="pending",
                                 created_at=now - timedelta(days=4)),
        "disputed": make_order(email="cat@example.com", created_at=now - timedelta(days=3),
                               payment={"card_last4": "0259"}, dispute="needs_response"),
        "dispute_won": make_order(email="cat@example.com", created_at=now - timedelta(days=2),
                                  payment={"card_last4": "0259"}, dispute="won"),
        "refunded": make_order(email="d\u00e1n@example.com", status="refunded", refunded_minor=2500,
                               created_at=now - timedelta(days=1),
                               payment={"card_last4": "4242"}),
        "canceled": make_order(email="ann@example.com", status="canceled",
                               created_at=now - timedelta(hours=1),
                               payment={"status": "canceled"}),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["canceled", "refunded", "dispute_won", "disputed", "no_payment", "pending", "paid"]),
        ({"status": "pending"}, ["no_payment", "pending"]),
        ({"status": "refunded"}, ["refunded"]),
        ({"payment": "succeeded"}, ["refunded", "dispute_won", "disputed", "paid"]),
        ({"payment": "requires_payment_method"}, ["pending"]),
        ({"payment": "none"}, ["no_payment"]),
        ({"dispute": "y"}, ["disputed"]),
        ({"q": "ANN@example.com"}, ["canceled", "paid"]),
        ({"q": "pi_ann"}, ["paid"]),
        ({"q": "4242"}, ["refunded", "paid"]),
        ({"q": "0259", "dispute": "y"}, ["disputed"]),
        ({"q": "nobody@example.com"}, []),
        ({"q": "DA\u0301N@example.com"}, ["refunded"]),  # its accent typed apart
        ({"status": "pending", "q": "bob@example.com", "payment": "none"}, ["no_payment"]),
    ],
)
def test_filters_and_search_find_exactly_the_right_orders(
    admin_client, shop_history, query, expected
):
    response = admin_client.get("/admin/orders", query_string=query)
    assert listed(response) == [shop_history[name].number for name in expected]
    assert f"{len(expected)} order" in response.get_data(as_text=True)


def test_search_by_order_number_and_date_range(admin_client, shop_history):
    paid = shop_history["paid"]
    assert listed(admin_client.get("/admin/orders", query_string={"q": paid.number.lower()})) == [
        paid.number
    ]
    day = shop_history["disputed"].created_at.date()
    in_range = listed(
        admin_client.get(
            "/admin/orders",
            query_string={"date_from": (day - timedelta(days=1)).isoformat(),
                          "date_to": day.isoformat()},
        )
    )
    assert in_range == [shop_history["disputed"].number, shop_history["no_payment"].number]


def test_the_summary_counts_and_totals_what_the_filter_matches(admin_client, make_order):
    for total in (1000, 2550, 4000):
        make_order(email="eve@example.com", total_minor=total, payment={})
    make_order(email="other@example.com", total_minor=99900, payment={})
    page = admin_client.get("/admin/orders?q=eve@example.com").get_data(as_text=True)
    assert "3 orders match" in page
    assert re.search(r'data-testid="total-usd">\$75\.50<', page)


def test_a_bad_date_is_shown_and_ignored(admin_client, shop_history):
    response = admin_client.get("/admin/orders?date_from=yesterday")
    assert response.status_code == 200
    assert "Not a valid date value" in response.get_data(as_text=True)
    assert len(listed(response)) == len(shop_history)


def test_keyset_pages_neither_skip_nor_repeat_when_orders_arrive(app, admin_client, make_order):
    app.config["ADMIN_ORDERS_PER_PAGE"] = 4
    start = utcnow() - timedelta(days=2)
    # Some share a timestamp, so the id must break ties.
    originals = [make_order(created_at=start + timedelta(minutes=n // 2)) for n in range(10)]
    first = admin_client.get("/admin/orders")
    seen = listed(first)
    older = re.search(r'href="([^"]+)" rel="next"', first.get_data(as_text=True)).group(1)
    for _ in range(5):  # new orders land between page loads
        make_order(created_at=utcnow())
    seen += every_page(admin_client, older.replace("&amp;", "&"))
    expected = [o.number for o in sorted(originals, key=lambda o: (o.created_at, o.id),
                                         reverse=True)]
    assert seen == expected


def test_newer_link_walks_back_up(app, admin_client, make_order):
    app.config["ADMIN_ORDERS_PER_PAGE"] = 3
    orders = [make_order() for _ in range(7)]
    newest_first = [o.number for o in reversed(orders)]
    second = admin_client.get(
        "/admin/orders", query_string={"after": Cursor.of(orders[4]).encode()}
    )
    assert listed(second) == newest_first[3:6]
    newer = re.search(r'href="([^"]+)" rel="prev"', second.get_data(as_text=True)).group(1)
    assert listed(admin_client.get(newer.replace("&amp;", "&"))) == newest_first[:3]


@pytest.mark.parametrize("stray", ["endpoint", "_method", "_external", "_anchor"])
def test_paging_links_keep_the_filters_and_nothing_else(app, admin_client, make_order, stray):
    app.config["ADMIN_ORDERS_PER_PAGE"] = 1
    for _ in range(2):
        make_order(email="kim@example.com")

    page = admin_client.get("/admin/orders", query_string={"q": "kim@example.com", stray: "POST"})

    assert page.status_code == 200
    older = re.search(r'href="([^"]+)" rel="next"', page.get_data(as_text=True)).group(1)
    assert older.startswith("/admin/orders?") and "q=kim@example.com" in older
    assert stray not in older and "#" not in older


def test_a_malformed_cursor_shows_the_first_page(admin_client, make_order):
    order = make_order()
    assert listed(admin_client.get("/admin/orders?after=not-a-cursor")) == [order.number]


def test_csv_equals_the_filtered_list(admin_client, shop_history, make_order):
    make_order(email="=cmd@example.com", payment={"card_last4": "4242"})
    query = {"q": "4242"}
    on_page = listed(admin_client.get("/admin/orders", query_string=query))
    response = admin_client.get("/admin/orders.csv", query_string=query)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["number"] for row in rows] == on_page
    assert rows[0]["email"] == "'=cmd@example.com"  # never a spreadsheet formula
    paid = next(row for row in rows if row["number"] == shop_history["paid"].number)
    assert paid["total"] == "25.00"
    assert (paid["card_brand"], paid["card_last4"], paid["payment_intent"]) == (
        "visa", "4242", "pi_ann")


def test_the_export_csv_button_submits_the_filters(admin_client, shop_history):
    page = admin_client.get("/admin/orders?status=pending").get_data(as_text=True)
    assert 'formaction="/admin/orders.csv"' in page
    assert ">Export CSV</button>" in page
    rows = admin_client.get("/admin/orders.csv?status=pending").get_data(as_text=True)
    assert len(rows.strip().splitlines()) == 3


@contextmanager
def counting_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _seed(n: int, start_index: int) -> None:
    """Insert n paid orders, each with a payment, in bulk (and recount the rollup after,
    as any load that bypasses the session must)."""
    now = utcnow()
    rows = [
        {"number": f"B{start_index + i:07d}", "email": f"b{i % 50}@example.com",
         "currency": "usd", "subtotal_minor": 1000 + i, "total_minor": 1000 + i,
         "shipping_minor": 0, "tax_minor": 0, "amount_refunded_minor": 0, "status": "paid",
         "reserved_until": now, "created_at": now - timedelta(seconds=start_index + i),
         "updated_at": now, "paid_at": now}
        for i in range(n)
    ]
    db.session.execute(insert(Order), rows)
    ids = db.session.execute(
        db.select(Order.id).where(Order.number.like("B%")).order_by(Order.id)
    ).scalars().all()[-n:]
    from shop.models import Payment

    db.session.execute(
        insert(Payment),
        [{"order_id": order_id, "intent_id": f"pi_b_{order_id}", "amount_minor": 1000,
          "currency": "usd", "status": "succeeded", "card_brand": "visa", "card_last4": "4242",
          "amount_refunded_minor": 0, "created_at": now, "updated_at": now}
         for order_id in ids],
    )
    order_rollup.rebuild(db.session.connection())
    db.session.commit()


@pytest.mark.parametrize("query", [{}, {"status": "paid"}, {"q": "4242", "payment": "succeeded"}])
def test_the_list_costs_the_same_queries_at_10_and_1000_orders(admin_client, query):
    def queries_for_a_page(orders: int) -> tuple[int, int]:
        admin_client.get("/admin/orders", query_string=query)  # warm caches, sessions
        with counting_queries() as statements:
            response = admin_client.get("/admin/orders", query_string=query)
        assert response.status_code == 200
        assert f"{orders} orders match" in response.get_data(as_text=True)
        return len(statements), len(listed(response))

    _seed(10, 0)
    small, shown_small = queries_for_a_page(10)
    _seed(990, 10)
    large, shown_large = queries_for_a_page(1000)
    assert (shown_small, shown_large) == (10, 25)
    assert small == large
    assert small <= 4, small


@pytest.mark.parametrize("url", ["/admin/orders", "/admin/orders?q=ann%40example.com",
                                 "/admin/events"])
def test_a_plain_visit_shows_no_filter_as_invalid(admin_client, url):
    html = admin_client.get(url).get_data(as_text=True)
    assert "Not a valid choice" not in html and 'aria-invalid="true"' not in html


def test_a_bad_status_is_flagged_on_its_own_field_only(admin_client):
    html = admin_client.get("/admin/orders?status=bogus").get_data(as_text=True)
    assert html.count("Not a valid choice") == 1
