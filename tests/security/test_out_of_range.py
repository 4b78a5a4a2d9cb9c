"""Numbers and dates past what the database or Python can hold, typed into a URL: each
gets an ordinary answer (not found, or the page without that bound), never a 500."""

from datetime import UTC, datetime
from urllib.parse import quote

from shop.services.order_history import Cursor

HUGE = "99999999999999999999"


def test_a_catalog_page_past_any_last_page_is_not_found(client):
    assert client.get(f"/?page={HUGE}").status_code == 404
    assert client.get("/?page=100001").status_code == 404


def test_ids_past_the_databases_integers_are_not_found_or_not_in_the_cart(
    client, auth, make_user, make_product
):
    make_product()
    make_user(email="customer@example.com", password="customer-pass")
    auth.login()
    for path in (f"/account/cards/{HUGE}/default", f"/account/cards/{HUGE}/remove"):
        assert client.post(path).status_code == 404, path
    for path in (f"/cart/{HUGE}/update", f"/cart/{HUGE}/remove"):  # back to the cart
        assert client.post(path, data={"quantity": 1}).headers["Location"] == "/cart/", path


def test_a_next_link_with_a_line_break_signs_in_and_goes_home(client, auth, make_user):
    make_user(email="customer@example.com", password="customer-pass")
    response = auth.login(next_url=quote("/account/\r\nX-Injected: yes"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "X-Injected" not in response.headers
    assert client.get("/account/cards").status_code == 200  # signed in


def test_admin_history_takes_the_last_day_there_is_and_a_foreign_cursor(
    client, auth, make_user
):
    make_user(email="boss@example.com", password="boss-password", is_admin=True)
    auth.login("boss@example.com", "boss-password")
    last_day = client.get("/admin/orders?date_to=9999-12-31")
    assert last_day.status_code == 200
    export = client.get("/admin/orders.csv?date_to=9999-12-31")
    assert export.status_code == 200
    assert export.get_data(as_text=True).startswith("number,created_at,email,status")
    cursor = Cursor(datetime.now(UTC), int(HUGE)).encode()
    assert client.get(f"/admin/orders?after={cursor}").status_code == 200
