"""What a visitor reads when something goes wrong: a page that says what happened and a
way back to where they were, never a bare error."""

import pytest

from shop.extensions import db
from shop.models import User

LIMITED = {"RATELIMIT_ENABLED": True, "CHECKOUT_RATE_LIMIT": "2/minute"}


@pytest.mark.parametrize("app_config", [LIMITED])
def test_too_many_checkouts_link_back_to_the_page_they_came_from(client):
    came_from = {"Referer": "http://localhost/cart/?from=basket"}
    for _ in range(2):
        client.post("/checkout", data={"email": "a@example.com"}, headers=came_from)
    response = client.post("/checkout", data={"email": "a@example.com"}, headers=came_from)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert 'href="/cart/?from=basket">Back to the page you were on' in html


@pytest.mark.csrf
def test_an_expired_form_links_back_to_the_page_with_its_query(client, make_product):
    mug = make_product()
    response = client.post("/cart/add", data={"product_id": mug.id, "quantity": 1},
                           headers={"Referer": "http://localhost/?page=2"})
    assert response.status_code == 400
    assert 'href="/?page=2"' in response.get_data(as_text=True)


def test_a_missing_page_says_so_and_leads_back_to_the_shop(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    assert "Back to the shop" in html


def test_a_failed_write_still_shows_the_shops_own_error_page(app, client, auth, make_user):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/fails-to-write")
    def fails_to_write():
        db.session.add(User(email="ann@example.com", name="Twin", password_hash="x"))
        db.session.flush()  # the same email twice: the database refuses
        return "written"

    make_user(email="ann@example.com", password="anns-password")
    auth.login("ann@example.com", "anns-password")

    page = client.get("/fails-to-write")
    assert page.status_code == 500
    html = page.get_data(as_text=True)
    assert "Nothing was lost. Please try again in a moment." in html
    assert "Log out" in html  # the layout, for the signed-in customer, rendered as usual


def test_a_shop_with_no_sales_yet_shows_its_revenue_as_zero(client, auth, make_user):
    make_user(email="boss@example.com", password="boss-password", is_admin=True)
    auth.login("boss@example.com", "boss-password")
    html = client.get("/admin/").get_data(as_text=True)
    assert "<dt>Revenue</dt><dd>$0.00</dd>" in html
