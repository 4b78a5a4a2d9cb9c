"""The order page answers "what happened to this order?" from the database alone."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from shop.extensions import db
from shop.models import OrderEvent
from shop.services import orders


def test_the_order_page_shows_customer_lines_payments_refunds_disputes_and_timeline(
    admin_client, admin, make_order, make_refund
):
    order = make_order(
        email="ann@example.com",
        total_minor=4200,
        status="partially_refunded",
        refunded_minor=1000,
        payment={"intent_id": "pi_abc", "card_brand": "visa", "card_last4": "4242",
                 "charge_id": "ch_abc"},
        dispute="warning_needs_response",  # an inquiry: refunds are still possible
    )
    make_refund(order, 1000)
    orders.record(order, "placed", "Order placed by ann@example.com.", actor="ann@example.com")
    orders.record(order, "admin_note", "Called the customer.", actor=admin.email,
                  actor_user=admin, stripe_event_id="evt_123")
    db.session.commit()

    page = admin_client.get(f"/admin/orders/{order.number}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"<h1>Order {order.number}" in html
    assert "ann@example.com" in html and "Guest" in html and "Enamel camp mug" in html
    assert "$42.00" in html and "$10.00" in html
    assert "Visa •••• 4242" in html  # as customers see it
    assert 'href="https://dashboard.stripe.com/test/payments/pi_abc"' in html
    assert "re_test_1" in html and "requested by customer" in html
    assert 'href="https://dashboard.stripe.com/test/disputes/dp_test_1"' in html
    due = (order.created_at + timedelta(days=7)).strftime("%Y-%m-%d %H:%M UTC")
    assert due in html  # the evidence deadline
    assert "Called the customer." in html and f"by {admin.email}" in html
    assert 'href="/admin/events/evt_123"' in html
    # The refund form offers what is left, in the shop's currency, with a fresh request key.
    assert 'name="amount"' in html and 'value="32.00"' in html
    assert 'name="request_key"' in html
    for label in ("Amount", "Reason", "Refund", "Sync with Stripe"):
        assert f">{label}<" in html
    assert "Cancel order" not in html  # only pending orders can be cancelled


def test_each_render_gets_its_own_request_key(admin_client, make_order):
    order = make_order(payment={})
    keys = set()
    for _ in range(2):
        html = admin_client.get(f"/admin/orders/{order.number}").get_data(as_text=True)
        keys.add(html.split('name="request_key" type="hidden" value="')[1].split('"')[0])
    assert len(keys) == 2


def test_a_pending_order_offers_cancel_but_no_refund(admin_client, make_order):
    order = make_order(status="pending", payment={"status": "requires_payment_method"})
    html = admin_client.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    assert ">Cancel order</button>" in html
    assert ">Refund</button>" not in html


def test_unknown_orders_are_404(admin_client):
    assert admin_client.get("/admin/orders/NOPE").status_code == 404


def test_a_typed_amount_that_is_not_money_is_refused_before_stripe(admin_client, make_order):
    order = make_order(payment={})
    response = admin_client.post(
        f"/admin/orders/{order.number}/refund",
        data={"amount": "12.345", "reason": "duplicate", "request_key": "k1"},
    )
    assert response.status_code == 400
    assert "USD amounts have at most 2 decimal places." in response.get_data(as_text=True)
    assert db.session.execute(
        db.select(db.func.count(OrderEvent.id)).where(OrderEvent.kind.like("refund%"))
    ).scalar_one() == 0


def test_times_print_in_utc_whatever_time_zone_the_database_speaks(admin_client, make_order):
    placed = datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)
    order = make_order(created_at=placed)

    def new_york(dbapi_connection, record, proxy):
        # PostgreSQL hands timestamps back in the session's time zone (the server's
        # setting); SQLite keeps no zone at all.
        if db.engine.dialect.name == "postgresql":
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET TIME ZONE 'America/New_York'")

    engines = list(db.engines.values())
    for engine in engines:
        event.listen(engine, "checkout", new_york)
    try:
        page = admin_client.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    finally:
        for engine in engines:
            event.remove(engine, "checkout", new_york)
            engine.dispose()  # no connection keeps the zone for the tests after this one
    assert "2026-03-01 12:00:05 UTC" in page
