"""Edges of what customers read and type: a time just after midnight in the shop's zone,
a zone west of Greenwich with no short name, an email address one character too long."""

from datetime import UTC, datetime

import pytest

from shop.extensions import db
from shop.models import User
from shop.web.fields import EMAIL_TOO_LONG


def shown(app, template: str, moment: datetime) -> str:
    return app.jinja_env.from_string(template).render(moment=moment)


@pytest.mark.parametrize("app_config", [{"SHOP_TIMEZONE": "Europe/Berlin",
                                         "SHOP_LOCALE": "de_DE"}])
def test_a_time_after_midnight_in_the_shops_zone_carries_that_days_date(app):
    late_in_utc = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 00:30 on the 25th in Berlin
    assert shown(app, "{{ moment|date_and_time }}", late_in_utc) == "25.11.2026, 00:30 MEZ"


@pytest.mark.parametrize("app_config", [{"SHOP_TIMEZONE": "America/Sao_Paulo"}])
def test_a_zone_west_of_greenwich_without_a_short_name_is_written_as_an_offset(app):
    evening = datetime(2026, 11, 24, 17, 55, tzinfo=UTC)
    assert shown(app, "{{ moment|time_of_day }}", evening) == "2:55\u202fPM GMT-03:00"


def test_an_email_address_longer_than_254_characters_is_refused(client):
    address = "a" * 243 + "@example.com"  # 255 characters
    response = client.post("/auth/register", data={"email": address, "password": "long-pass-1",
                                                   "confirm": "long-pass-1"})
    assert EMAIL_TOO_LONG in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_an_email_address_of_254_characters_is_taken(client):
    address = "a" * 242 + "@example.com"
    client.post("/auth/register", data={"email": address, "password": "long-pass-1",
                                        "confirm": "long-pass-1"})
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1
