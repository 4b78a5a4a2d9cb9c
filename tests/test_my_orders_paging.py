"""My orders: the link to older orders only when there are some, and page numbers past
any history answered as not found."""

from datetime import timedelta

from shop.account.orders import ORDERS_PER_PAGE
from shop.extensions import db
from shop.models import Order, utcnow


def place_history(user, count: int) -> None:
    start = utcnow() - timedelta(days=count + 1)
    for n in range(count):
        placed = start + timedelta(days=n)
        db.session.add(Order(number=f"H{n:07d}", email=user.email, user_id=user.id,
                             currency="usd", subtotal_minor=1000, total_minor=1000,
                             status="paid", reserved_until=placed, created_at=placed,
                             paid_at=placed))
    db.session.commit()


def test_a_history_of_exactly_one_page_offers_no_older_orders(client, auth, make_user):
    ann = make_user(email="ann@example.com", password="anns-password")
    place_history(ann, ORDERS_PER_PAGE)
    auth.login("ann@example.com", "anns-password")

    page = client.get("/account/orders").get_data(as_text=True)

    assert "H0000000" in page and f"H{ORDERS_PER_PAGE - 1:07d}" in page
    assert "Older orders" not in page
    assert client.get("/account/orders?page=2").status_code == 404


def test_an_order_page_number_past_any_history_is_not_found(client, auth, make_user):
    make_user(email="ann@example.com", password="anns-password")
    auth.login("ann@example.com", "anns-password")
    for page in ("10001", "99999999999999999999"):
        assert client.get(f"/account/orders?page={page}").status_code == 404, page
