"""A guest's orders join an account made or signed in to in the same browser, under
that account's address, whatever its case or accents; orders only opened through a
link someone sent, or placed by someone else at that browser, never do."""

from datetime import timedelta

import pytest

from shop.checkout import access
from shop.extensions import db
from tests.payments.test_order_access import access_token_of
from tests.payments_support import Shopper, reload


def test_guest_orders_join_the_account_made_in_the_same_browser(app, client, browser_stripe,
                                                                make_product, make_user):
    shopper = Shopper(client, browser_stripe)
    mine = shopper.checkout((make_product(), 1), email="Ann@Example.com")
    for_a_friend = shopper.checkout((make_product(), 1), email="bob@example.com")
    make_user(email="carol@example.com", password="carols-password")
    with app.test_client() as elsewhere:  # Carol, at her own computer, proves nothing
        elsewhere.post("/auth/login", data={"email": "carol@example.com",
                                            "password": "carols-password"})

    registered = client.post("/auth/register", data={
        "email": "ann@example.com", "password": "anns-password", "confirm": "anns-password"})
    assert registered.status_code == 302

    page = client.get("/account/orders").get_data(as_text=True)
    assert mine.number in page and for_a_friend.number not in page
    assert client.get(f"/account/orders/{mine.number}").status_code == 200
    assert (reload(mine).user.email, reload(for_a_friend).user_id) == ("ann@example.com", None)
    # While a payment begun as a guest may still bring them back from the bank, the
    # signed link (and the bank's return to it) opens the order in another browser too,
    # paid or not.
    _, error, _ = shopper.pay(mine, "pm_card_visa")
    assert error is None and reload(mine).status == "paid"
    link = f"/orders/{mine.number}/access/{access_token_of(app, mine)}"
    with app.test_client() as phone:
        assert phone.get(link).status_code == 302
        assert phone.get(f"/orders/{mine.number}").status_code == 200
    # Later, the account is the way back: a link left in a shared browser's history
    # opens nothing for the next person there.
    client.post("/auth/logout")
    later = reload(mine)
    later.reserved_until -= access.RETURN_GRACE + timedelta(minutes=31)
    db.session.commit()
    with app.test_client() as next_person:
        assert next_person.get(link).status_code == 404
        assert next_person.get(f"/orders/{mine.number}/return?access="
                               f"{access_token_of(app, mine)}").status_code == 404


@pytest.mark.parametrize("link", [
    "/orders/{number}/access/{token}",  # the order's own link
    "/orders/{number}/return?access={token}",  # its way back from the bank
])
def test_an_order_opened_by_a_link_someone_sent_never_joins_the_account(
    app, client, browser_stripe, make_product, make_user, link
):
    # Mallory places an order under Ann's address and sends Ann a link to it.
    with app.test_client() as mallory:
        planted = Shopper(mallory, browser_stripe).checkout((make_product(), 1),
                                                            email="ann@example.com")
    link = link.format(number=planted.number, token=access_token_of(app, planted))
    make_user(email="ann@example.com", password="anns-password")

    assert client.get(link).status_code == 302  # Ann follows it...
    client.post("/auth/login", data={"email": "ann@example.com", "password": "anns-password"})

    # ...and signs in: the order is not hers, whatever its address says.
    assert reload(planted).user_id is None
    assert planted.number not in client.get("/account/orders").get_data(as_text=True)


def test_orders_a_session_held_before_placed_and_opened_were_kept_apart_never_join(
    client, browser_stripe, make_product, make_user
):
    planted = Shopper(client, browser_stripe).checkout((make_product(), 1),
                                                       email="ann@example.com")
    with client.session_transaction() as session:  # as sessions kept it until now
        session.pop(access.PLACED, None)
        session[access.EITHER] = [planted.number]
    make_user(email="ann@example.com", password="anns-password")
    client.post("/auth/login", data={"email": "ann@example.com", "password": "anns-password"})

    assert reload(planted).user_id is None
    assert client.get(f"/orders/{planted.number}").status_code == 200  # still opens


def test_a_guest_order_joins_the_account_whichever_way_its_accent_was_typed(
    client, browser_stripe, make_product
):
    shopper = Shopper(client, browser_stripe)
    # "é" typed as "e" and a combining accent at checkout, as one character at sign-up.
    order = shopper.checkout((make_product(), 1), email="rene\u0301@example.com")

    registered = client.post("/auth/register", data={
        "email": "ren\u00e9@example.com", "password": "renes-password",
        "confirm": "renes-password"})

    assert registered.status_code == 302
    assert order.number in client.get("/account/orders").get_data(as_text=True)
    assert reload(order).user.email == "ren\u00e9@example.com"


def test_an_earlier_guests_order_stays_theirs_when_someone_else_signs_in(
    client, browser_stripe, make_product, make_user, auth
):
    earlier = Shopper(client, browser_stripe).checkout((make_product(), 1), email="ann@example.com")
    make_user(email="dave@example.com", password="daves-password")
    auth.login("dave@example.com", "daves-password")  # the next person at this computer
    assert earlier.number not in client.get("/account/orders").get_data(as_text=True)
    assert reload(earlier).user_id is None


def test_a_guest_keeps_every_order_placed_in_the_same_browser(client, browser_stripe,
                                                              make_product):
    shopper = Shopper(client, browser_stripe)
    placed = [shopper.checkout((make_product(), 1)) for _ in range(3)]
    assert [client.get(f"/orders/{order.number}").status_code for order in placed] == [200] * 3


def test_a_customers_order_stays_theirs_when_someone_else_signs_in_at_their_browser(
    app, client, browser_stripe, make_product, make_user
):
    make_user(email="bob@example.com", password="bobs-password")
    make_user(email="ann@example.com", password="anns-password")
    client.post("/auth/login", data={"email": "bob@example.com", "password": "bobs-password"})
    gift = Shopper(client, browser_stripe).checkout((make_product(), 1),
                                                    email="ann@example.com")  # sent to Ann
    assert reload(gift).user.email == "bob@example.com"
    with app.test_client() as elsewhere:  # Bob signs out everywhere from his phone
        elsewhere.post("/auth/login", data={"email": "bob@example.com",
                                            "password": "bobs-password"})
        elsewhere.post("/auth/logout")

    client.post("/auth/login", data={"email": "ann@example.com", "password": "anns-password"})

    assert reload(gift).user.email == "bob@example.com"
    assert gift.number not in client.get("/account/orders").get_data(as_text=True)


def test_a_guest_order_joins_the_account_whichever_case_the_address_was_signed_up_in(
    client, browser_stripe, make_product
):
    order = Shopper(client, browser_stripe).checkout((make_product(), 1),
                                                     email="ann@example.com")
    client.post("/auth/register", data={
        "email": "Ann@Example.COM", "password": "anns-password", "confirm": "anns-password"})

    assert reload(order).user.email == "ann@example.com"
    assert order.number in client.get("/account/orders").get_data(as_text=True)
