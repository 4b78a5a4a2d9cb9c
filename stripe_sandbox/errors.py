"""Stripe-shaped errors: one exception class that knows its status and JSON body."""

from __future__ import annotations

from typing import Any

DOC_URL = "https://stripe.com/docs/error-codes/"


def doc_url(code: str) -> str:
    """Stripe's page for an error code; its address spells the code with hyphens:
    ``card_declined`` → ``https://stripe.com/docs/error-codes/card-declined``."""
    return DOC_URL + code.replace("_", "-")


class StripeError(Exception):
    """An error answered as Stripe answers it: ``{"error": {...}}`` with a status code.

    Only the keys that carry a value are put in the body, as Stripe does.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        charge: str | None = None,
        payment_intent: dict[str, Any] | None = None,
        setup_intent: dict[str, Any] | None = None,
        payment_method: dict[str, Any] | None = None,
        store_idempotent: bool = True,
        keeps_changes: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.charge = charge
        self.payment_intent = payment_intent
        self.setup_intent = setup_intent
        self.payment_method = payment_method
        # Stripe keeps no idempotent result for requests that never started executing.
        self.store_idempotent = store_idempotent
        # A rejected request changes nothing, except where Stripe keeps the attempt: a
        # declined confirm leaves its failed charge, events and last_payment_error.
        self.keeps_changes = keeps_changes

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        optional = {
            "code": self.code,
            "param": self.param,
            "decline_code": self.decline_code,
            "charge": self.charge,
            "payment_intent": self.payment_intent,
            "setup_intent": self.setup_intent,
            "payment_method": self.payment_method,
        }
        error.update({key: value for key, value in optional.items() if value is not None})
        if self.code:
            error["doc_url"] = doc_url(self.code)
        return {"error": error}


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> StripeError:
    """A 400 ``invalid_request_error``."""
    return StripeError(400, message, param=param, code=code)


def not_stored(error: StripeError) -> StripeError:
    """Mark an error raised before the endpoint started executing (no idempotent result)."""
    error.store_idempotent = False
    return error


def unexpected_state(message: str) -> StripeError:
    return StripeError(400, message, code="payment_intent_unexpected_state")


def no_such(kind: str, object_id: str, param: str = "id") -> StripeError:
    """A 404 ``resource_missing``: "No such customer: 'cus_x'"."""
    return StripeError(
        404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def missing_param(name: str) -> StripeError:
    return not_stored(
        StripeError(400, f"Missing required param: {name}.", code="parameter_missing", param=name)
    )


def api_error(message: str = "An unknown error occurred") -> StripeError:
    return StripeError(500, message, type="api_error")


def unrecognized_url(method: str, path: str) -> StripeError:
    return StripeError(
        404,
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/.",
    )
