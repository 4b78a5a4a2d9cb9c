"""The one module that talks to Stripe.

It builds a `stripe.StripeClient` from config (API base, key, short timeout,
retries), sends an idempotency key derived from what each call means on every
call that creates or moves something, returns plain dicts, and turns
`stripe.StripeError` into the shop's own exceptions with a message a customer
can read. Nothing here knows whether it is talking to Stripe or the sandbox.

Calls go through `StripeClient.raw_request`: the same requests, retries,
idempotency keys and errors as the typed services, without building the
StripeObject tree that the shop would only turn back into dicts (that tree
cost about as much CPU as the HTTP call itself).
"""

import json
import re
from typing import Any
from urllib.parse import quote

import requests
import stripe
from flask import current_app

UNAVAILABLE = "Payments are temporarily unavailable, your order is saved — try again in a minute."
# The outage as the card pages tell it: no order there, and a removal whose answer was
# lost may have happened, so nothing is promised about the cards.
CARDS_UNAVAILABLE = ("We couldn't reach our payment provider. Please try again in a "
                     "minute.")
# Stripe's text for a refused request is written for developers ("No such
# payment_intent: ...", "Keys for idempotent requests can only be used with ...").
REFUSED = "This payment could not go ahead. Please reload the page and try again."


class PaymentsError(Exception):
    """A Stripe call failed. `message` is Stripe's, for admins and logs;
    `customer_message` is what a customer is shown."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        decline_code: str | None = None,
        status: int | None = None,
        payment_intent: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.decline_code = decline_code
        self.status = status
        self.payment_intent = payment_intent

    @property
    def customer_message(self) -> str:
        """A decline's reason or the outage notice are written for customers already."""
        return self.message

    @property
    def operator_message(self) -> str:
        """What Stripe (or the network) said, for whoever runs a command: not the notice
        customers are shown during an outage."""
        return str(self.__cause__ or self.message)


class CardDeclined(PaymentsError):
    """The card was declined or needs authentication that cannot happen here (402)."""


class InvalidRequest(PaymentsError):
    """Stripe refused the request (400/404): a bug, or a state Stripe will not allow."""

    @property
    def customer_message(self) -> str:
        return REFUSED


class NotFound(InvalidRequest):
    """The object does not exist at Stripe (404)."""


class PaymentsUnavailable(PaymentsError):
    """Stripe could not be reached, timed out or failed (5xx, 429, network)."""


class InvalidSignature(Exception):
    """A webhook body whose Stripe-Signature does not verify."""


def _client() -> stripe.StripeClient:
    """One StripeClient per app, built lazily from config."""
    client = current_app.extensions.get("stripe_client")
    if client is None:
        config = current_app.config
        client = stripe.StripeClient(
            config["STRIPE_SECRET_KEY"],
            base_addresses={"api": config["STRIPE_API_BASE"]},
            max_network_retries=config["STRIPE_MAX_RETRIES"],
            http_client=stripe.RequestsClient(
                timeout=config["STRIPE_TIMEOUT"], session=_session(config["STRIPE_API_BASE"])
            ),
        )
        current_app.extensions["stripe_client"] = client
    return client


def _session(api_base: str) -> requests.Session:
    """A requests session that reads the proxy settings for `api_base` once.

    With `trust_env` on, requests scans the environment for proxies (and .netrc)
    on every call, which cost more CPU than the rest of the call's client side.
    The shop talks to one host, so its proxies are looked up here once instead.
    Certificates are unaffected: the stripe library passes its own CA bundle.
    """
    session = requests.Session()
    session.trust_env = False
    session.proxies.update(requests.utils.get_environ_proxies(api_base))
    return session


def idempotency_key(*parts: object) -> str:
    """A key that names what the call means, e.g. ("order", 7, "create-intent", 1)."""
    return "shop:" + ":".join(str(p) for p in parts)


def _translate(error: stripe.StripeError, call: str) -> PaymentsError:
    """Stripe's error as the shop's; `call` ("POST /v1/refunds") names it in the log."""
    err = error.error
    code = getattr(err, "code", None) if err else None
    decline_code = getattr(err, "decline_code", None) if err else None
    intent = getattr(err, "payment_intent", None) if err else None
    intent = intent.to_dict() if intent is not None else None
    message = getattr(err, "message", None) or error.user_message or str(error)
    kwargs = {
        "code": code,
        "decline_code": decline_code,
        "status": error.http_status,
        "payment_intent": intent,
    }
    if isinstance(error, stripe.CardError):
        return CardDeclined(message, **kwargs)
    if isinstance(error, stripe.InvalidRequestError | stripe.IdempotencyError):
        kind = NotFound if error.http_status == 404 else InvalidRequest
        return kind(message, **kwargs)
    # Authentication, permission, rate limits, 5xx, network: nothing a customer can fix.
    current_app.logger.warning(
        "Stripe unavailable: %s on %s (HTTP %s, code %s, request %s): %s", type(error).__name__,
        call, error.http_status, code, error.request_id, message,
    )
    return PaymentsUnavailable(UNAVAILABLE, **kwargs)


def _call(method: str, path: str, *, key: str | None = None, **params: Any) -> dict:
    """One API call; `path` is /v1/..., with ids quoted by `_path`."""
    if key:
        params["idempotency_key"] = key
    try:
        return _client().raw_request(method, path, **params).data
    except stripe.StripeError as error:
        raise _translate(error, f"{method.upper()} {path}") from error


def _path(template: str, *ids: str) -> str:
    return template.format(*(quote(str(i), safe="") for i in ids))


# Payment intents
def create_payment_intent(key: str, **params: Any) -> dict:
    return _call("post", "/v1/payment_intents", key=key, **params)


def retrieve_payment_intent(intent_id: str) -> dict:
    path = _path("/v1/payment_intents/{}", intent_id)
    return _call("get", path, expand=["latest_charge"])


def update_payment_intent(intent_id: str, key: str | None, **params: Any) -> dict:
    return _call("post", _path("/v1/payment_intents/{}", intent_id), key=key, **params)


def confirm_payment_intent(intent_id: str, key: str, **params: Any) -> dict:
    return _call("post", _path("/v1/payment_intents/{}/confirm", intent_id), key=key, **params)


def cancel_payment_intent(intent_id: str, key: str, reason: str = "abandoned") -> dict:
    path = _path("/v1/payment_intents/{}/cancel", intent_id)
    return _call("post", path, key=key, cancellation_reason=reason)


def list_payment_intents(**params: Any) -> list[dict]:
    return _list("/v1/payment_intents", **params)


# Customers, setup intents and payment methods
def create_customer(key: str, **params: Any) -> dict:
    return _call("post", "/v1/customers", key=key, **params)


def retrieve_customer(customer_id: str) -> dict:
    return _call("get", _path("/v1/customers/{}", customer_id))


def update_customer(customer_id: str, key: str | None, **params: Any) -> dict:
    return _call("post", _path("/v1/customers/{}", customer_id), key=key, **params)


def create_setup_intent(key: str, **params: Any) -> dict:
    return _call("post", "/v1/setup_intents", key=key, **params)


def retrieve_setup_intent(setup_intent_id: str) -> dict:
    path = _path("/v1/setup_intents/{}", setup_intent_id)
    return _call("get", path, expand=["payment_method"])


def retrieve_payment_method(payment_method_id: str) -> dict:
    return _call("get", _path("/v1/payment_methods/{}", payment_method_id))


def detach_payment_method(payment_method_id: str, key: str) -> dict:
    return _call("post", _path("/v1/payment_methods/{}/detach", payment_method_id), key=key)


def list_payment_methods(customer_id: str) -> list[dict]:
    return _list(_path("/v1/customers/{}/payment_methods", customer_id), type="card")


# Charges, refunds, disputes, events
def retrieve_charge(charge_id: str) -> dict:
    return _call("get", _path("/v1/charges/{}", charge_id))


def create_refund(key: str, **params: Any) -> dict:
    return _call("post", "/v1/refunds", key=key, **params)


def retrieve_refund(refund_id: str) -> dict:
    return _call("get", _path("/v1/refunds/{}", refund_id))


def list_refunds(**params: Any) -> list[dict]:
    return _list("/v1/refunds", **params)


def retrieve_dispute(dispute_id: str) -> dict:
    return _call("get", _path("/v1/disputes/{}", dispute_id))


def list_disputes(**params: Any) -> list[dict]:
    return _list("/v1/disputes", **params)


def _list(path: str, **params: Any) -> list[dict]:
    """Every item of a list endpoint, following pagination."""
    params.setdefault("limit", 100)
    items: list[dict] = []
    while True:
        page = _call("get", path, **params)
        items.extend(page["data"])
        if not page.get("has_more") or not page["data"]:
            return items
        params["starting_after"] = page["data"][-1]["id"]


def as_stripe_holds(retrieve, object_id: str, *, gone: dict) -> dict:
    """`retrieve(object_id)`: the object as Stripe holds it now, or `gone` when Stripe
    no longer has it (404)."""
    try:
        return retrieve(object_id)
    except NotFound:
        return gone


# \ud800 to \udfff, in either case: rare in a body, so looked for without copying it.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def construct_event(payload: bytes, signature: str | None) -> dict:
    """Verify a webhook body against the endpoint secret (300 s tolerance) and parse it.

    Raises InvalidSignature for a missing or wrong signature, and ValueError for a
    correctly signed body that is not a JSON object.
    """
    if not signature:
        raise InvalidSignature("missing Stripe-Signature header")
    text = payload.decode("utf-8", errors="replace")
    try:
        stripe.WebhookSignature.verify_header(
            text, signature, current_app.config["STRIPE_WEBHOOK_SECRET"], tolerance=300
        )
    except stripe.SignatureVerificationError as error:
        raise InvalidSignature(str(error)) from error
    try:
        event = json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise ValueError("event body is nested too deeply") from None
    if not isinstance(event, dict):
        raise ValueError("event body is not a JSON object")
    if _ESCAPED_SURROGATE.search(text):
        # An escaped surrogate without its pair is valid JSON but no text: no database
        # can store it, and the event would fail on every retry.
        try:
            json.dumps(event, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("event body holds an unpaired surrogate") from None
    return event


def _no_constants(name: str) -> None:
    # NaN and Infinity are not JSON, and PostgreSQL's json type refuses them.
    raise ValueError(f"{name} is not valid JSON")


def dashboard_url(kind: str, object_id: str) -> str:
    """Link to an object in the Stripe Dashboard for the key's mode."""
    test = "" if current_app.config["STRIPE_SECRET_KEY"].startswith("sk_live_") else "test/"
    return f"https://dashboard.stripe.com/{test}{kind}/{object_id}"
