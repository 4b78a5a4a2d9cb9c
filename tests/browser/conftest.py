"""Browser tests of the shop: helpers (Chromium and `page`: tests/browser_support.py)."""

import os
import re
from datetime import date

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def future_expiry() -> str:
    return f"12 / {(date.today().year + 3) % 100:02d}"


def fill_card(page, number: str, cvc: str = "123", postal_code: str = "12345") -> None:
    """Type a card into the Stripe iframe, as a customer would."""
    frame = page.get_by_title("Secure payment input frame").content_frame
    frame.get_by_label("Card number").press_sequentially(number)
    fill_card_details(page, cvc, postal_code)


def fill_card_details(page, cvc: str = "123", postal_code: str = "12345") -> None:
    """The rest of the card, once its number is typed: expiry, CVC and ZIP."""
    frame = page.get_by_title("Secure payment input frame").content_frame
    frame.get_by_label("Expiration date").fill(future_expiry())
    frame.get_by_label("Security code").fill(cvc)
    frame.get_by_label("ZIP").fill(postal_code)


def challenge(page):
    """The 3-D Secure challenge shown by Stripe.js."""
    return page.get_by_title("3D Secure challenge").content_frame


def table_row(page, header: str):
    """The table row whose header cell reads `header` (Subtotal, Refunded, a card's name)."""
    return page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=header, exact=True))


def order_status(page):
    """The order page's line "Order number … · Status …", as a customer reads it."""
    return page.get_by_text(re.compile(r"^Order number \S+ · Status "))


def payment_form(page):
    """The pay page's form, named by its "Payment" heading."""
    return page.get_by_role("form", name="Payment")
