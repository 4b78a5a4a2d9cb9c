"""Times as customers read them: in the shop's time zone and locale, zone named.

The database keeps every time in UTC. A customer's page shows it in `SHOP_TIMEZONE`
(an IANA name such as Europe/Berlin), written the way `SHOP_LOCALE` writes times,
and always names the zone, so "held until 18:55 MEZ" cannot be misread. Admin
pages keep UTC: their day filters and totals count UTC days.
"""

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, get_timezone_gmt
from flask import Flask, current_app


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def _zone_name(moment: datetime, zone: ZoneInfo, locale: Locale) -> str:
    """The zone's short name in this locale ("MEZ", "EST", "UTC"), or where the locale
    has none for it, its offset as the locale writes one ("GMT+01:00", "UTC+01:00")."""
    name = format_datetime(moment, "z", tzinfo=zone, locale=locale)
    if name[:1] in "+-":  # the bare offset Babel falls back to: "+0100"
        name = get_timezone_gmt(moment.astimezone(zone), width="long", locale=locale)
    return name


def _parts(moment: datetime) -> tuple[datetime, ZoneInfo, Locale]:
    config = current_app.config
    return moment, _zone(config["SHOP_TIMEZONE"]), _locale(config["SHOP_LOCALE"])


def time_of_day(moment: datetime | None) -> str:
    """Jinja filter: "5:55 PM UTC" (en_US), "18:55 MEZ" (de_DE in Europe/Berlin)."""
    if moment is None:
        return ""
    moment, zone, locale = _parts(moment)
    at = format_time(moment, "short", tzinfo=zone, locale=locale)
    return f"{at} {_zone_name(moment, zone, locale)}"


def date_and_time(moment: datetime | None) -> str:
    """Jinja filter: "Nov 24, 2026, 5:55 PM UTC" (en_US), "24.11.2026, 18:55 MEZ" (de_DE)."""
    if moment is None:
        return ""
    moment, zone, locale = _parts(moment)
    # The locale's medium date with its short time: seconds say nothing to a customer.
    day = format_date(moment.astimezone(zone), "medium", locale=locale)
    at = format_time(moment, "short", tzinfo=zone, locale=locale)
    return f"{locale.datetime_formats['medium'].format(at, day)} {_zone_name(moment, zone, locale)}"


def install_time_filters(app: Flask) -> None:
    app.add_template_filter(time_of_day, "time_of_day")
    app.add_template_filter(date_and_time, "date_and_time")
