"""PaymentMethods: cards from details or test ids, attach, detach, single-use rules."""

from __future__ import annotations

import datetime
from typing import Any

from .. import cards
from ..errors import StripeError, invalid, missing_param, no_such
from ..params import INT, LIST_PARAMS, MAP, STR, Enum
from ..routing import Call, apply_metadata, changed, endpoint
from ..state import Sandbox

ADDRESS = dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"), STR)
BILLING = {"address": ADDRESS, "email": STR, "name": STR, "phone": STR}
CARD = {"number": STR, "exp_month": INT, "exp_year": INT, "cvc": STR}
REDISPLAY = Enum("always", "limited", "unspecified")
DATA_SPEC = {
    "type": Enum("card"),
    "card": CARD,
    "billing_details": BILLING,
    "metadata": MAP,
    "allow_redisplay": REDISPLAY,
}

# Noted on a method that paid while being saved without a customer: it may be attached.
AWAITING_CUSTOMER = "awaiting_customer"
SINGLE_USE = (
    "This PaymentMethod was previously used without being attached to a Customer or was "
    "detached from a Customer, and may not be used again."
)


def _card_error(code: str, message: str, param: str) -> StripeError:
    return StripeError(402, message, type="card_error", code=code, param=param)


def _billing(value: dict[str, Any] | None) -> dict[str, Any]:
    value = value or {}
    address = {key: (value.get("address") or {}).get(key) for key in ADDRESS}
    return {
        "address": address,
        "email": value.get("email"),
        "name": value.get("name"),
        "phone": value.get("phone"),
        "tax_id": None,
    }


def build(
    sb: Sandbox, number: str, exp_month: int, exp_year: int, *, cvc: str | None = None,
    billing_details: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None,
    allow_redisplay: str | None = None,
) -> dict[str, Any]:
    """Store a new card PaymentMethod (no event: Stripe sends none for creation)."""
    brand = cards.brand(number)
    billing = _billing(billing_details)
    pm: dict[str, Any] = {
        "id": sb.new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": allow_redisplay or "unspecified",
        "billing_details": billing,
        "card": {
            "brand": brand,
            "checks": {
                "address_line1_check": "pass" if billing["address"]["line1"] else None,
                "address_postal_code_check": "pass" if billing["address"]["postal_code"] else None,
                "cvc_check": "pass" if cvc else None,
            },
            "country": "US",
            "display_brand": cards.display_brand(brand),
            "exp_month": exp_month,
            "exp_year": exp_year,
            "fingerprint": cards.fingerprint(number),
            "funding": cards.funding(number),
            "generated_from": None,
            "last4": number[-4:],
            "networks": {"available": [brand], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": sb.now(),
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": {},
        "type": "card",
    }
    apply_metadata(pm, metadata)
    sb.add(pm)
    sb.private[pm["id"]].update(number=number, behaviour=cards.behaviour(number))
    return pm


def from_details(sb: Sandbox, data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Validate card details as Stripe does (Luhn, expiry, CVC) and build the method."""
    card = data.get("card") or {}
    for name in ("number", "exp_month", "exp_year"):
        if card.get(name) is None:
            raise missing_param(f"{prefix}card[{name}]")
    number = card["number"].replace(" ", "")
    if not cards.luhn_ok(number):
        raise _card_error("incorrect_number", "Your card number is incorrect.", "number")
    month, year = card["exp_month"], card["exp_year"]
    year = year + 2000 if year < 100 else year
    today = datetime.datetime.fromtimestamp(sb.now(), datetime.UTC)
    if not 1 <= month <= 12:
        raise _card_error("invalid_expiry_month", "Your card's expiration month is invalid.",
                          "exp_month")
    if year < today.year or year > today.year + 50:
        raise _card_error("invalid_expiry_year", "Your card's expiration year is invalid.",
                          "exp_year")
    if (year, month) < (today.year, today.month):
        raise _card_error("invalid_expiry_month", "Your card's expiration month is invalid.",
                          "exp_month")
    cvc = card.get("cvc")
    expected_cvc = cards.cvc_length(cards.brand(number))
    if cvc is not None and not (cards.ascii_digits(cvc) and len(cvc) == expected_cvc):
        raise _card_error("invalid_cvc", "Your card's security code is invalid.", "cvc")
    return build(
        sb, number, month, year, cvc=cvc, billing_details=data.get("billing_details"),
        metadata=data.get("metadata"), allow_redisplay=data.get("allow_redisplay"),
    )


def resolve(sb: Sandbox, pm_id: str, param: str = "payment_method") -> dict[str, Any]:
    """The PaymentMethod named ``pm_id``; a ``pm_card_*`` test id becomes a fresh clone."""
    number = cards.TEST_PAYMENT_METHODS.get(pm_id)
    if number is not None:
        return build(sb, number, 12, datetime.datetime.now(datetime.UTC).year + 5, cvc="123")
    pm = sb.objects.get(pm_id)
    if pm is None or pm.get("object") != "payment_method":
        raise no_such("PaymentMethod", pm_id, param)
    return pm


def check_usable(sb: Sandbox, pm: dict[str, Any], customer: str | None) -> None:
    """Stripe's rules for reusing a method: single use without a customer; same customer."""
    private = sb.private[pm["id"]]
    if private.get("consumed") or private.get(AWAITING_CUSTOMER):
        raise invalid(SINGLE_USE, param="payment_method")
    owner = pm["customer"]
    if owner is not None and customer is not None and owner != customer:
        raise invalid(
            f"The provided PaymentMethod belongs to a different Customer ({owner}) than the "
            f"one given ({customer}).", param="payment_method",
        )
    if owner is not None and customer is None:
        # Unverified wording; Stripe refuses a customer's method without the customer.
        raise invalid(
            "The provided PaymentMethod was previously attached to a Customer. To use a "
            "PaymentMethod that is attached to a Customer, you must provide the Customer's "
            "ID as the `customer` parameter.", param="payment_method",
        )


def attach(sb: Sandbox, pm: dict[str, Any], customer_id: str) -> dict[str, Any]:
    """Attach ``pm`` to a customer (declining cards that fail a zero-amount check)."""
    customer = sb.get("customer", customer_id, param="customer")
    if customer.get("deleted"):
        raise no_such("customer", customer_id, "customer")
    if sb.private[pm["id"]].get("consumed"):
        raise invalid(SINGLE_USE, param="payment_method")
    if pm["customer"] == customer_id:
        return pm
    if pm["customer"] is not None:
        raise invalid(
            "The payment method you provided has already been attached to a customer.",
            param="payment_method",
        )
    behaviour = sb.private[pm["id"]]["behaviour"]
    if behaviour.fails_on_attach:
        decline = behaviour.decline
        raise StripeError(402, decline.message, type="card_error", code=decline.code,
                          decline_code=decline.decline_code)
    pm["customer"] = customer_id
    sb.private[pm["id"]].pop(AWAITING_CUSTOMER, None)
    sb.emit("payment_method.attached", pm)
    return pm


def detach(sb: Sandbox, pm: dict[str, Any]) -> dict[str, Any]:
    """Detach ``pm`` for good, even when its customer has been deleted since.

    Deleting a customer leaves its methods naming it (SANDBOX.md says nothing more), so
    such a method is still attached and detaching it is how it is retired; refusing
    would leave a card that can never be removed.
    """
    owner = pm["customer"]
    if owner is None:
        raise invalid(
            "The payment method you provided is not attached to a customer so detachment "
            "is impossible.", param="payment_method",
        )
    pm["customer"] = None
    sb.private[pm["id"]]["consumed"] = True
    sb.emit("payment_method.detached", pm, {"customer": owner})
    _drop_default(sb, owner, pm["id"])
    return pm


def _drop_default(sb: Sandbox, customer_id: str, pm_id: str) -> None:
    """A live customer whose default was ``pm_id`` has none now; a deleted one has no
    settings left to change (its stub is just id, object and deleted)."""
    customer = sb.objects.get(customer_id)
    if not customer or customer.get("deleted"):
        return
    if customer["invoice_settings"]["default_payment_method"] == pm_id:
        before = {"invoice_settings": dict(customer["invoice_settings"])}
        customer["invoice_settings"] = {**customer["invoice_settings"],
                                        "default_payment_method": None}
        sb.emit("customer.updated", customer, before)


@endpoint("/payment_methods", "POST", DATA_SPEC, publishable="always")
def create(sb: Sandbox, call: Call) -> dict[str, Any]:
    if call.params.get("type") is None:
        raise missing_param("type")
    return from_details(sb, call.params)


@endpoint("/payment_methods/<pm_id>", "GET", {})
def retrieve(sb: Sandbox, call: Call, pm_id: str) -> dict[str, Any]:
    return resolve(sb, pm_id, "payment_method")


UPDATE_SPEC = {"billing_details": BILLING, "metadata": MAP, "allow_redisplay": REDISPLAY,
               "card": {"exp_month": INT, "exp_year": INT}}


@endpoint("/payment_methods/<pm_id>", "POST", UPDATE_SPEC)
def update(sb: Sandbox, call: Call, pm_id: str) -> dict[str, Any]:
    pm = resolve(sb, pm_id)
    if pm["customer"] is None:
        raise invalid("You must save this PaymentMethod to a customer before you can update it.")
    before = dict(pm)
    params = call.params
    if "billing_details" in params:
        pm["billing_details"] = _billing(params["billing_details"])
    if "metadata" in params:
        apply_metadata(pm, params["metadata"])
    if params.get("allow_redisplay"):
        pm["allow_redisplay"] = params["allow_redisplay"]
    card_update = params.get("card") or {}
    if card_update:
        pm["card"] = {**pm["card"], **card_update}
    previous = changed(before, pm)
    if previous:
        sb.emit("payment_method.updated", pm, previous)
    return pm


@endpoint("/payment_methods/<pm_id>/attach", "POST", {"customer": STR})
def attach_route(sb: Sandbox, call: Call, pm_id: str) -> dict[str, Any]:
    if call.params.get("customer") is None:
        raise missing_param("customer")
    return attach(sb, resolve(sb, pm_id), call.params["customer"])


@endpoint("/payment_methods/<pm_id>/detach", "POST", {})
def detach_route(sb: Sandbox, call: Call, pm_id: str) -> dict[str, Any]:
    return detach(sb, resolve(sb, pm_id))


LIST_SPEC = {**LIST_PARAMS, "customer": STR, "type": Enum("card")}


@endpoint("/payment_methods", "GET", LIST_SPEC)
def list_all(sb: Sandbox, call: Call) -> dict[str, Any]:
    customer = call.params.get("customer")
    if customer is not None:
        sb.get("customer", customer, param="customer")
    return sb.list_objects(
        "payment_method", call.params, "/v1/payment_methods",
        lambda pm: pm["customer"] is not None and customer in (None, pm["customer"]),
    )


@endpoint("/customers/<customer_id>/payment_methods", "GET", {**LIST_PARAMS, "type": Enum("card")})
def list_for_customer(sb: Sandbox, call: Call, customer_id: str) -> dict[str, Any]:
    sb.get("customer", customer_id)
    return sb.list_objects(
        "payment_method", call.params, f"/v1/customers/{customer_id}/payment_methods",
        lambda pm: pm["customer"] == customer_id,
    )
