"""Customers: create, retrieve, update (default payment method), delete, list."""

from __future__ import annotations

import copy
import random
from typing import Any

from ..errors import invalid, no_such
from ..params import LIST, LIST_PARAMS, MAP, STR
from ..routing import Call, apply_metadata, changed, endpoint
from ..state import Sandbox
from .payment_methods import ADDRESS

SPEC = {
    "email": STR,
    "name": STR,
    "description": STR,
    "phone": STR,
    "metadata": MAP,
    "address": ADDRESS,
    "payment_method": STR,
    "invoice_settings": {"default_payment_method": STR},
    "preferred_locales": LIST,
}
UPDATE_SPEC = {key: value for key, value in SPEC.items() if key != "payment_method"}


def live(sb: Sandbox, customer_id: str, param: str = "id") -> dict[str, Any]:
    """A customer that exists and is not deleted, else Stripe's 404."""
    customer = sb.get("customer", customer_id, param=param)
    if customer.get("deleted"):
        raise no_such("customer", customer_id, param)
    return customer


def _set_fields(sb: Sandbox, customer: dict[str, Any], params: dict[str, Any]) -> None:
    for key in ("email", "name", "description", "phone", "preferred_locales"):
        if key in params:
            customer[key] = params[key]
    if "address" in params:
        address = params["address"]
        customer["address"] = None if address is None else {
            key: address.get(key) for key in ADDRESS
        }
    if "metadata" in params:
        apply_metadata(customer, params["metadata"])
    settings = params.get("invoice_settings")
    if settings is not None and "default_payment_method" in settings:
        default = settings["default_payment_method"]
        if default is not None:
            pm = sb.objects.get(default)
            if pm is None or pm.get("object") != "payment_method":
                raise no_such("PaymentMethod", default, "invoice_settings[default_payment_method]")
            if pm["customer"] != customer["id"]:
                raise invalid(
                    f"The customer does not have a payment method with the ID {default}. "
                    "The payment method must be attached to the customer.",
                    param="invoice_settings[default_payment_method]",
                )
        customer["invoice_settings"] = {
            **customer["invoice_settings"], "default_payment_method": default
        }


@endpoint("/customers", "POST", SPEC)
def create(sb: Sandbox, call: Call) -> dict[str, Any]:
    customer = {
        "id": sb.new_id("cus"),
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": sb.now(),
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "discount": None,
        "email": None,
        "invoice_prefix": f"{random.getrandbits(32):08X}",
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": {},
        "name": None,
        "next_invoice_sequence": 1,
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }
    sb.add(customer)
    params = dict(call.params)
    pm_id = params.pop("payment_method", None)
    settings = params.pop("invoice_settings", None)
    _set_fields(sb, customer, params)
    sb.emit("customer.created", customer)
    if pm_id is not None:
        from .payment_methods import attach, resolve

        pm = attach(sb, resolve(sb, pm_id), customer["id"])
        if settings and settings.get("default_payment_method") == pm_id:
            settings = {"default_payment_method": pm["id"]}
    if settings:
        before = copy.deepcopy(customer)
        _set_fields(sb, customer, {"invoice_settings": settings})
        sb.emit("customer.updated", customer, changed(before, customer))
    return customer


@endpoint("/customers/<customer_id>", "GET", {})
def retrieve(sb: Sandbox, call: Call, customer_id: str) -> dict[str, Any]:
    return sb.get("customer", customer_id)


@endpoint("/customers/<customer_id>", "POST", UPDATE_SPEC)
def update(sb: Sandbox, call: Call, customer_id: str) -> dict[str, Any]:
    customer = live(sb, customer_id)
    before = copy.deepcopy(customer)
    _set_fields(sb, customer, call.params)
    previous = changed(before, customer)
    if previous:
        sb.emit("customer.updated", customer, previous)
    return customer


@endpoint("/customers/<customer_id>", "DELETE", {})
def delete(sb: Sandbox, call: Call, customer_id: str) -> dict[str, Any]:
    customer = live(sb, customer_id)
    sb.emit("customer.deleted", customer)
    stub = {"id": customer_id, "object": "customer", "deleted": True}
    sb.objects[customer_id] = stub
    return stub


@endpoint("/customers", "GET", {**LIST_PARAMS, "email": STR})
def list_all(sb: Sandbox, call: Call) -> dict[str, Any]:
    email = call.params.get("email")
    return sb.list_objects(
        "customer", call.params, "/v1/customers",
        None if email is None else lambda customer: customer.get("email") == email,
    )
