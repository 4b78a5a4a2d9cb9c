"""The order's timeline names the zone of its times, as the rest of the admin does (UTC)."""

from shop.extensions import db
from shop.models import OrderEvent
from shop.services import orders


def test_timeline_times_say_they_are_utc(admin_client, make_order):
    order = make_order()
    orders.record(order, "placed", "Order placed by ann@example.com.", actor="ann@example.com")
    db.session.commit()
    entry = db.session.execute(
        db.select(OrderEvent).where(OrderEvent.order_id == order.id)).scalar_one()

    html = admin_client.get(f"/admin/orders/{order.number}").get_data(as_text=True)

    shown = entry.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert f'<time datetime="{entry.created_at.isoformat()}">{shown}</time>' in html
