"""Card numbers: Luhn, brand and funding, fingerprints, and the test cards' behaviour."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

_DECLINED = "Your card was declined."


@dataclass(frozen=True)
class Decline:
    code: str
    decline_code: str
    message: str


GENERIC = Decline("card_declined", "generic_decline", _DECLINED)
AUTHENTICATION_REQUIRED = Decline(
    "authentication_required",
    "authentication_required",
    "Your card was declined. This transaction requires authentication.",
)


@dataclass(frozen=True)
class Behaviour:
    """What a test card does. Plain cards succeed."""

    decline: Decline | None = None
    fails_on_attach: bool = False  # attaching or setting it up is declined too
    three_d_secure: str | None = None  # "always", "unless_setup" or "redirect"
    decline_after_authentication: Decline | None = None
    dispute: bool = False
    refund: str | None = None  # "pending" (then succeeds) or "fail" (succeeds, then fails)
    processing: bool = False


PLAIN = Behaviour()

BEHAVIOURS: dict[str, Behaviour] = {
    "4000000000000002": Behaviour(decline=GENERIC, fails_on_attach=True),
    "4000000000009995": Behaviour(
        # Unverified whether a zero-amount check fails on insufficient funds; the sandbox
        # lets it attach so only charges fail, which is the case the shop must handle.
        decline=Decline("card_declined", "insufficient_funds", "Your card has insufficient funds.")
    ),
    "4000000000009987": Behaviour(
        decline=Decline("card_declined", "lost_card", _DECLINED), fails_on_attach=True
    ),
    "4000000000009979": Behaviour(
        decline=Decline("card_declined", "stolen_card", _DECLINED), fails_on_attach=True
    ),
    "4000000000000069": Behaviour(
        decline=Decline("expired_card", "expired_card", "Your card has expired."),
        fails_on_attach=True,
    ),
    "4000000000000127": Behaviour(
        decline=Decline(
            "incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."
        ),
        fails_on_attach=True,
    ),
    "4000000000000119": Behaviour(
        decline=Decline(
            "processing_error",
            "processing_error",
            "An error occurred while processing your card. Try again in a little bit.",
        ),
        fails_on_attach=True,
    ),
    "4000002500003155": Behaviour(three_d_secure="unless_setup"),
    "4000002760003184": Behaviour(three_d_secure="always"),
    "4000008400001629": Behaviour(three_d_secure="always", decline_after_authentication=GENERIC),
    "4000000000003220": Behaviour(three_d_secure="always"),
    "4000000000003063": Behaviour(three_d_secure="redirect"),
    "4000000000000341": Behaviour(decline=GENERIC),
    "4000000000000259": Behaviour(dispute=True),
    "4000000000007726": Behaviour(refund="pending"),
    "4000000000005126": Behaviour(refund="fail"),
    "4000000000006975": Behaviour(processing=True),
}

TEST_PAYMENT_METHODS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_debit": "4000056655665556",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_mastercard_debit": "5200828282828210",
    "pm_card_amex": "378282246310005",
    "pm_card_discover": "6011111111111117",
    "pm_card_visa_chargeDeclined": "4000000000000002",
    "pm_card_visa_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_visa_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_visa_chargeDeclinedStolenCard": "4000000000009979",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
    "pm_card_authenticationRequiredOnSetup": "4000002500003155",
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_threeDSecureRequiredChargeDeclined": "4000008400001629",
    "pm_card_threeDSecure2Required": "4000000000003220",
    "pm_card_threeDSecureRedirect": "4000000000003063",
    "pm_card_chargeCustomerFail": "4000000000000341",
    "pm_card_createDispute": "4000000000000259",
    "pm_card_bypassPending": "4000000000000077",
    "pm_card_pendingRefund": "4000000000007726",
    "pm_card_refundFail": "4000000000005126",
    "pm_card_sandbox_processing": "4000000000006975",
}

_DEBIT = {"4000056655665556", "5200828282828210"}


def behaviour(number: str) -> Behaviour:
    return BEHAVIOURS.get(number, PLAIN)


def ascii_digits(text: str) -> bool:
    """Only "0" to "9", as Stripe reads card numbers and CVCs.

    str.isdigit() alone also takes full-width digits and "²", which int() refuses.
    """
    return text.isascii() and text.isdigit()


def luhn_ok(number: str) -> bool:
    if not ascii_digits(number) or not 12 <= len(number) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def brand(number: str) -> str:
    two, four = int(number[:2]), int(number[:4])
    if number.startswith("4"):
        return "visa"
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "mastercard"
    if two in (34, 37):
        return "amex"
    if number.startswith(("6011", "65")) or 644 <= int(number[:3]) <= 649:
        return "discover"
    if two == 35:
        return "jcb"
    if two in (30, 36, 38):
        return "diners"
    if two == 62:
        return "unionpay"
    return "unknown"


# ``card.brand`` uses Stripe's short network names; ``card.display_brand`` spells the brand
# out (stripe-python documents american_express, diners_club, union_pay, ..., other).
_DISPLAY_BRANDS = {"amex": "american_express", "diners": "diners_club", "unionpay": "union_pay",
                   "unknown": "other"}


def display_brand(card_brand: str) -> str:
    """``display_brand("amex")`` → ``"american_express"``; visa, mastercard, ... are as is."""
    return _DISPLAY_BRANDS.get(card_brand, card_brand)


def funding(number: str) -> str:
    return "debit" if number in _DEBIT else "credit"


def cvc_length(card_brand: str) -> int:
    return 4 if card_brand == "amex" else 3


_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@functools.lru_cache(maxsize=1024)
def fingerprint(number: str) -> str:
    """16 characters, stable for a card number, revealing nothing about it."""
    value = int.from_bytes(hashlib.sha256(b"sandbox-card:" + number.encode()).digest()[:12])
    chars = []
    for _ in range(16):
        value, rest = divmod(value, 62)
        chars.append(_ALPHABET[rest])
    return "".join(chars)
