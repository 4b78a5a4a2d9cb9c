"""Orders are visible to their owner only: the signed-in customer or the guest session."""

import html
import re
from datetime import timedelta

import pytest

from shop.account.orders import ORDERS_PER_PAGE
from shop.checkout import access
from shop.extensions import db
from shop.models import Order, utcnow
from tests.payments_support import Shopper, reload
from tests.test_my_orders_paging import place_history

ORDER_URLS = [
    ("get", "/orders/{n}"),
    ("get", "/orders/{n}/pay"),
    ("get", "/orders/{n}/return"),
    ("post", "/orders/{n}/intent"),
    ("post", "/orders/{n}/confirm"),
    ("post", "/orders/{n}/saved-card"),
    ("get", "/account/orders/{n}"),
]


@pytest.fixture
def guest_order(client, browser_stripe, make_product) -> Order:
    return Shopper(client, browser_stripe).checkout((make_product(price_minor=2000), 1))


@pytest.mark.parametrize(("method", "url"), ORDER_URLS)
def test_another_guest_gets_404_and_nothing_changes(app, guest_order, method, url, stripe_api):
    with app.test_client() as stranger:
        response = getattr(stranger, method)(url.format(n=guest_order.number), json={})
    assert response.status_code in (404, 302)
    if response.status_code == 302:  # /account/... asks a guest to log in first
        assert "/auth/login" in response.headers["Location"]
    assert reload(guest_order).status == "pending"
    assert stripe_api.v1.payment_intents.list()["data"] == []


@pytest.mark.parametrize(("method", "url"), ORDER_URLS)
def test_another_customer_gets_404(app, make_user, make_product, browser_stripe, method, url):
    owner = make_user(email="owner@example.com", password="password123")
    make_user(email="other@example.com", password="password123")
    with app.test_client() as c:
        c.post("/auth/login", data={"email": owner.email, "password": "password123"})
        order = Shopper(c, browser_stripe).checkout((make_product(), 1), email=owner.email)
    with app.test_client() as other:
        other.post("/auth/login", data={"email": "other@example.com", "password": "password123"})
        response = getattr(other, method)(url.format(n=order.number), json={})
    assert response.status_code == 404


def test_guest_keeps_access_through_the_signed_link(app, client, guest_order):
    page = client.get(f"/orders/{guest_order.number}").get_data(as_text=True)
    link = re.search(r'href="(http://[^"]+/access/[^"]+)"', page).group(1)
    path = link.split("localhost", 1)[-1]
    with app.test_client() as new_browser:
        assert new_browser.get(f"/orders/{guest_order.number}").status_code == 404
        assert new_browser.get(path).status_code == 302
        assert new_browser.get(f"/orders/{guest_order.number}").status_code == 200
        forged = path.rsplit("/", 1)[0] + "/not-a-valid-token"
    with app.test_client() as attacker:
        assert attacker.get(forged).status_code == 404


def test_signed_in_customer_sees_their_orders(
    client, auth, make_user, make_product, browser_stripe
):
    make_user(email="ann@example.com", password="password123")
    auth.login("ann@example.com", "password123")
    order = Shopper(client, browser_stripe).checkout(
        (make_product(name="Teapot"), 1), email="ann@example.com"
    )
    listing = client.get("/account/orders").get_data(as_text=True)
    assert order.number in listing
    detail = client.get(f"/account/orders/{order.number}").get_data(as_text=True)
    assert "Teapot" in detail and "Pending" in detail
    assert db.session.get(Order, order.id).user_id is not None


def test_checkout_email_is_prefilled_for_signed_in_customers(client, auth, make_user, make_product):
    make_user(email="ann@example.com", password="password123")
    auth.login("ann@example.com", "password123")
    client.post("/cart/add", data={"product_id": make_product().id, "quantity": 1})
    assert 'value="ann@example.com"' in client.get("/cart/").get_data(as_text=True)


@pytest.fixture
def limited_order(app, client, stripe_config, make_product, browser_stripe) -> Order:
    """An order placed by `client` in an app whose rate limits are on (`app_config`)."""
    app.config.update(stripe_config)
    return Shopper(client, browser_stripe).checkout((make_product(), 1))


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "INTENT_RATE_LIMIT": "3/minute"}]
)
def test_intent_creation_is_rate_limited_with_a_clear_message(client, limited_order):
    order = limited_order
    codes = [client.post(f"/orders/{order.number}/intent", json={}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.post(f"/orders/{order.number}/intent", json={})
    assert (
        response.get_json()["error"]
        == "Too many payment attempts. Please wait a minute and try again."
    )


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "INTENT_RATE_LIMIT": "1000/minute"}]
)
def test_strangers_cannot_use_up_an_orders_payment_attempts(app, client, limited_order):
    order = limited_order
    with app.test_client() as stranger:  # knows the number, may not see the order
        codes = {stranger.post(f"/orders/{order.number}/intent", json={}).status_code
                 for _ in range(31)}
    assert codes == {404}

    assert client.post(f"/orders/{order.number}/intent", json={}).status_code == 200


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "CHECKOUT_RATE_LIMIT": "2/minute"}]
)
def test_placing_orders_is_rate_limited_with_a_clear_message(client, make_product):
    mug = make_product(stock=50)
    codes = []
    for _ in range(3):
        client.post("/cart/add", data={"product_id": mug.id, "quantity": 1})
        codes.append(client.post("/checkout", data={"email": "ann@example.com"}).status_code)
    assert codes == [302, 302, 429]
    refused = client.post("/checkout", data={"email": "ann@example.com"},
                          headers={"Referer": "http://localhost/cart/"})
    page = refused.get_data(as_text=True)
    assert "<title>Please wait ·" in page and "Too Many Requests" not in page
    assert "Too many orders placed from here." in page
    assert '<a class="button" href="/cart/">Back to the page you were on</a>' in page
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 2


def test_a_guest_back_from_the_bank_in_another_browser_sees_their_order(
    app, client, browser_stripe, make_product
):
    shopper = Shopper(client, browser_stripe)
    order = shopper.checkout((make_product(price_minor=2000), 1))
    page = client.get(f"/orders/{order.number}/pay").get_data(as_text=True)
    return_url = html.unescape(re.search(r'data-return-url="([^"]+)"', page).group(1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_visa")
    back = return_url.split("localhost", 1)[1] + f"&payment_intent={intent['intent_id']}"

    with app.test_client() as bank_app:  # no cookie of the browser that placed the order
        assert bank_app.get(back.split("?")[0]).status_code == 404  # no token: a stranger
        landed = bank_app.get(back)
        assert landed.status_code == 302 and landed.headers["Location"].endswith(order.number)
        assert "Thank you" in bank_app.get(f"/orders/{order.number}").get_data(as_text=True)
    assert reload(order).status == "paid"


def test_a_guests_link_still_opens_after_the_secret_key_is_rotated(app, client, guest_order):
    page = client.get(f"/orders/{guest_order.number}").get_data(as_text=True)
    path = re.search(r'href="http://[^"]+(/orders/[^"]+/access/[^"]+)"', page).group(1)
    old_key = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY="the-new-key", SECRET_KEY_FALLBACKS=[old_key])

    with app.test_client() as new_browser:
        assert new_browser.get(path).status_code == 302
        assert new_browser.get(f"/orders/{guest_order.number}").status_code == 200
    app.config["SECRET_KEY_FALLBACKS"] = []  # the old key retired: its links stop working
    with app.test_client() as later:
        assert later.get(path).status_code == 404


def test_a_session_that_once_opened_an_order_loses_it_with_the_link(
    app, client, browser_stripe, make_product
):
    order = Shopper(client, browser_stripe).checkout((make_product(), 1),
                                                     email="ann@example.com")
    link = f"/orders/{order.number}/access/{access_token_of(app, order)}"
    other = app.test_client()
    assert other.get(link).status_code == 302
    client.post("/auth/register", data={
        "email": "ann@example.com", "password": "anns-password", "confirm": "anns-password"})
    assert reload(order).user.email == "ann@example.com"  # joined Ann's account
    assert other.get(f"/orders/{order.number}").status_code == 200  # the bank may return

    later = reload(order)
    later.reserved_until -= access.RETURN_GRACE + timedelta(minutes=31)
    db.session.commit()

    assert other.get(f"/orders/{order.number}").status_code == 404
    assert other.get(f"/orders/{order.number}/pay").status_code == 404
    assert client.get(f"/orders/{order.number}").status_code == 200  # Ann, signed in


def test_nobody_can_change_saving_while_the_bank_checks_a_card(
    app, client, browser_stripe, make_product, stripe_api
):
    # Mallory's order, paid for by Ann through its link ("pay this for me").
    mallory = Shopper(client, browser_stripe)
    order = mallory.checkout((make_product(), 1), email="mallory@example.com")
    link = f"/orders/{order.number}/access/{access_token_of(app, order)}"
    client.post("/auth/register", data={
        "email": "mallory@example.com", "password": "mallory-pass", "confirm": "mallory-pass"})
    assert reload(order).user.email == "mallory@example.com"
    ann = Shopper(app.test_client(), browser_stripe)
    assert ann.client.get(link).status_code == 302
    started = ann.start(order).get_json()
    checked, _ = ann.confirm_at_stripe(started, "pm_card_authenticationRequired")
    assert checked["status"] == "requires_action"  # Ann is on her bank's page

    assert mallory.start(order, save_card=True).status_code == 200

    intent = stripe_api.v1.payment_intents.retrieve(started["intent_id"])
    assert (intent.customer, intent.setup_future_usage) == (None, None)  # Ann's card is hers


def test_a_browser_signed_out_elsewhere_still_gets_back_to_the_order_it_is_paying(
    app, client, browser_stripe, make_product, make_user, auth
):
    make_user(email="ann@example.com", password="anns-password")
    auth.login("ann@example.com", "anns-password")
    order = Shopper(client, browser_stripe).checkout((make_product(), 1),
                                                     email="ann@example.com")
    with app.test_client() as laptop:
        laptop.post("/auth/login", data={"email": "ann@example.com",
                                         "password": "anns-password"})
        laptop.post("/auth/logout")  # ends every session of Ann's, this one's too

    assert b"Log out" not in client.get("/").data  # signed out here as well...
    assert client.get(f"/orders/{order.number}").status_code == 200  # ...but not lost


def access_token_of(app, order) -> str:
    with app.test_request_context():
        return access.access_token(order)


def test_my_orders_pages_through_a_long_history(app, client, auth, make_user):
    user = make_user(email="ann@example.com", password="anns-password")
    place_history(user, ORDERS_PER_PAGE + 3)
    auth.login("ann@example.com", "anns-password")

    first = client.get("/account/orders").get_data(as_text=True)
    assert f"H{ORDERS_PER_PAGE + 2:07d}" in first and "H0000002" not in first  # newest first
    assert 'rel="next">Older orders' in first and "Newer orders" not in first
    older = client.get("/account/orders?page=2").get_data(as_text=True)
    assert all(f"H{n:07d}" in older for n in range(3)) and "Older orders" not in older
    assert client.get("/account/orders?page=3").status_code == 404


def test_a_bank_may_still_send_a_guest_back_for_a_while_after_the_reservation_ends(
    app, client, browser_stripe, make_product
):
    order = Shopper(client, browser_stripe).checkout((make_product(), 1),
                                                     email="ann@example.com")
    link = f"/orders/{order.number}/access/{access_token_of(app, order)}"
    client.post("/auth/register", data={
        "email": "ann@example.com", "password": "anns-password", "confirm": "anns-password"})
    assert reload(order).user.email == "ann@example.com"  # joined Ann's account
    # The reservation ended a few minutes ago; a slow bank page may still send Ann back.
    ended = reload(order)
    ended.reserved_until = utcnow() - timedelta(minutes=5)
    db.session.commit()

    with app.test_client() as bank_app:
        assert bank_app.get(link).status_code == 302
        assert bank_app.get(f"/orders/{order.number}").status_code == 200


def test_a_link_to_ones_own_order_opens_no_other_order(app, client, browser_stripe, make_product):
    victim = Shopper(client, browser_stripe).checkout((make_product(), 1),
                                                      email="ann@example.com")
    with app.test_client() as mallory:
        own = Shopper(mallory, browser_stripe).checkout((make_product(), 1),
                                                        email="mallory@example.com")
        token = access_token_of(app, own)  # the link Mallory's own order page gives her
        assert mallory.get(f"/orders/{victim.number}/access/{token}").status_code == 404
        assert mallory.get(f"/orders/{victim.number}/return?access={token}").status_code == 404
        assert mallory.get(f"/orders/{victim.number}").status_code == 404
        assert mallory.get(f"/orders/{victim.number}/pay").status_code == 404


def test_links_made_after_the_secret_key_is_rotated_outlive_the_old_key(
    app, client, guest_order
):
    old_key = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY="the-new-key", SECRET_KEY_FALLBACKS=[old_key])
    page = client.get(f"/orders/{guest_order.number}").get_data(as_text=True)
    path = re.search(r'href="http://[^"]+(/orders/[^"]+/access/[^"]+)"', page).group(1)

    app.config["SECRET_KEY_FALLBACKS"] = []  # the old key retired
    with app.test_client() as new_browser:
        assert new_browser.get(path).status_code == 302
        assert new_browser.get(f"/orders/{guest_order.number}").status_code == 200


