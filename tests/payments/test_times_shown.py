"""A customer reads each time in the shop's time zone, written as its locale writes
times, with the zone named; the database keeps UTC."""

from datetime import UTC, datetime

import pytest

from shop.extensions import db
from tests.payments_support import Shopper, reload

BERLIN = {"SHOP_TIMEZONE": "Europe/Berlin", "SHOP_LOCALE": "de_DE"}
WINTER_EVENING = datetime(2026, 11, 24, 17, 55, tzinfo=UTC)
SUMMER_MORNING = datetime(2026, 7, 1, 9, 5, tzinfo=UTC)
# Holds still running when the tests run: the pay page says the items are held.
HELD_WINTER = datetime(2099, 11, 24, 17, 55, tzinfo=UTC)
HELD_SUMMER = datetime(2099, 7, 1, 9, 5, tzinfo=UTC)


@pytest.fixture
def app_config(request, stripe_config):
    return {**stripe_config, **getattr(request, "param", BERLIN)}


def _hold_until(order, moment: datetime) -> None:
    reload(order).reserved_until = moment
    db.session.commit()


def pay_page(client, order) -> str:
    response = client.get(f"/orders/{order.number}/pay")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("moment", "shown"), [(HELD_WINTER, "18:55 MEZ"),
                                               (HELD_SUMMER, "11:05 MESZ")])
def test_the_pay_page_holds_items_until_a_time_in_the_shops_zone(
    shopper, make_product, moment, shown
):
    order = shopper.checkout((make_product(), 1))
    _hold_until(order, moment)
    assert (f'Your items are held until <time datetime="{moment.isoformat()}">{shown}</time>.'
            in pay_page(shopper.client, order))


@pytest.mark.parametrize(("app_config", "shown"), [
    ({}, "5:55\u202fPM UTC"),  # the defaults
    # Locales with no short name for the zone write its offset, as each writes one.
    ({"SHOP_TIMEZONE": "Europe/Berlin"}, "6:55\u202fPM GMT+01:00"),
    ({"SHOP_TIMEZONE": "Europe/Paris", "SHOP_LOCALE": "fr_FR"}, "18:55 UTC+01:00"),
    ({"SHOP_TIMEZONE": "Asia/Kolkata"}, "11:25\u202fPM GMT+05:30"),
], indirect=["app_config"])
def test_the_zone_is_always_named(shopper, make_product, shown):
    order = shopper.checkout((make_product(), 1))
    _hold_until(order, HELD_WINTER)
    assert f">{shown}</time>." in pay_page(shopper.client, order)


def test_a_pay_page_past_its_hold_says_the_items_were_held(shopper, make_product):
    order = shopper.checkout((make_product(), 1))
    _hold_until(order, WINTER_EVENING)  # past, and expiry has not run yet: still payable
    page = pay_page(shopper.client, order)
    assert ("Your items were held until <time datetime=\"2026-11-24T17:55:00+00:00\">18:55 MEZ"
            "</time>: pay now, before they are released to other customers.") in page
    assert "are held until" not in page


def test_a_lapsed_order_says_until_when_it_was_held(shopper, make_product, runner):
    order = shopper.checkout((make_product(), 1))
    _hold_until(order, WINTER_EVENING)  # long past
    assert runner.invoke(args=["orders", "expire"]).exit_code == 0
    page = shopper.client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "We held its items for you until" in page
    assert ">24.11.2026, 18:55 MEZ</time>, and no payment had arrived" in page


def test_my_orders_say_when_each_was_placed(
    client, auth, make_user, make_product, browser_stripe
):
    make_user(email="ann@example.com", password="password123")
    auth.login("ann@example.com", "password123")
    order = Shopper(client, browser_stripe).checkout((make_product(), 1), email="ann@example.com")
    reload(order).created_at = SUMMER_MORNING
    db.session.commit()

    placed = f'<time datetime="{SUMMER_MORNING.isoformat()}">01.07.2026, 11:05 MESZ</time>'
    assert placed in client.get("/account/orders").get_data(as_text=True)
    assert f"Placed {placed}" in client.get(f"/account/orders/{order.number}").get_data(
        as_text=True)
