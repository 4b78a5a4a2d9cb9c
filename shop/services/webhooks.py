"""The webhook inbox: verify, store each Stripe event once, dispatch, record the outcome.

A delivery is its own unit of work, like a CLI command: `receive` commits. Events
arrive late, twice and out of order, so handlers re-read the object from Stripe
and apply it through the same services as the pages.
"""

import importlib
import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import bindparam, select, update

from shop.database import insert_or_skip
from shop.extensions import db
from shop.logs import log_event
from shop.models import StripeEvent, utcnow
from shop.services import stripe_client

Handler = Callable[[dict], str | None]
HANDLERS: dict[str, Handler] = {}
# Modules whose @handler functions serve events; imported on first delivery.
HANDLER_MODULES = ("shop.services.stripe_events", "shop.services.card_events")
_loaded = False
# Stripe's ids and event types; anything else in a signed body is not an event we can store.
_EVENT_ID = re.compile(r"evt_[A-Za-z0-9_]{1,250}")
_EVENT_TYPE = re.compile(r"[a-z0-9_.]{1,100}")
_OBJECT_ID = re.compile(r"[A-Za-z0-9_]{1,255}")

# Built once, as every delivery runs them: SQLAlchemy spends longer building a
# statement and matching it to its cached compiled form than PostgreSQL spends
# running it. The outcome is written to the table directly; the commit that follows
# expires whatever the session holds of the row.
_INBOX = StripeEvent.__table__
_STORE_OUTCOME = (
    update(_INBOX)
    .where(_INBOX.c.id == bindparam("event_id"))
    .values(status=bindparam("outcome"), attempts=_INBOX.c.attempts + 1, last_error=None,
            processed_at=bindparam("at", type_=_INBOX.c.processed_at.type))
)
_STORED = (
    select(StripeEvent)
    .where(StripeEvent.id == bindparam("event_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


class MalformedEvent(ValueError):
    """A correctly signed body that is not a Stripe event we can read."""


def handler(*event_types: str) -> Callable[[Handler], Handler]:
    """Register `fn(event) -> "processed" | "ignored"` for these event types."""

    def register(fn: Handler) -> Handler:
        for event_type in event_types:
            HANDLERS[event_type] = fn
        return fn

    return register


def _load_handlers() -> None:
    global _loaded
    if not _loaded:
        for name in HANDLER_MODULES:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as error:
                if error.name != name:
                    raise
        _loaded = True


def handled_event_types() -> list[str]:
    """The event types the shop has handlers for, sorted: the events to enable on the
    Stripe webhook endpoint (anything else would only be stored as "ignored")."""
    _load_handlers()
    return sorted(HANDLERS)


def _parse(event: dict) -> StripeEvent:
    try:
        obj = event["data"]["object"]
        event_id, event_type, created = event["id"], event["type"], event["created"]
        if not (isinstance(event_id, str) and _EVENT_ID.fullmatch(event_id)):
            raise TypeError("id")
        if not (isinstance(event_type, str) and _EVENT_TYPE.fullmatch(event_type)):
            raise TypeError("type")
        if not isinstance(obj, dict):
            raise TypeError("data.object")
        created_at = datetime.fromtimestamp(int(created), UTC)
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as error:
        raise MalformedEvent(f"not a Stripe event: {error}") from None
    raw_id = obj.get("id")
    object_id = raw_id if isinstance(raw_id, str) and _OBJECT_ID.fullmatch(raw_id) else None
    # Intents' client secrets can complete a payment; the inbox (and the admin's view of
    # it) keeps everything else. Handlers re-read the object from Stripe anyway.
    obj.pop("client_secret", None)
    return StripeEvent(
        id=event_id,
        type=event_type,
        created=created_at,
        livemode=bool(event.get("livemode")),
        object_id=object_id,
        payload=event,
        status="received",
        attempts=0,
        received_at=utcnow(),
    )


def receive(payload: bytes, signature: str | None) -> tuple[int, str]:
    """Handle one delivery; returns the HTTP status for Stripe and a short outcome."""
    try:
        event = stripe_client.construct_event(payload, signature)
    except stripe_client.InvalidSignature as error:
        _log_bad_signature(payload, signature, error)
        return 400, "bad signature"
    except ValueError:
        log_event("webhook.rejected", outcome="not JSON")
        return 400, "malformed event"
    try:
        inbox = _parse(event)
        _load_handlers()
        if inbox.type in HANDLERS and inbox.object_id is None:
            raise MalformedEvent("the event's object has no Stripe id to re-read")
    except MalformedEvent as error:
        log_event("webhook.rejected", outcome=str(error))
        return 400, "malformed event"
    if inbox.type not in HANDLERS:
        # Nothing to do for this type, so it is stored already handled, in one statement.
        inbox.status, inbox.attempts, inbox.processed_at = "ignored", 1, inbox.received_at
    if _insert_once(inbox):
        if inbox.status == "ignored":
            db.session.commit()
            log_event("webhook.handled", event=inbox.id, type=inbox.type,
                      object=inbox.object_id, outcome="ignored")
            return 200, "ignored"
        return _process(inbox.id, event, inbox.object_id)
    # Stored before: wait for any delivery of it still being handled, then look.
    existing = _stored(inbox.id)
    if existing is None or existing.status != "failed":
        db.session.commit()
        log_event("webhook.handled", event=inbox.id, type=inbox.type,
                  object=inbox.object_id, outcome="duplicate")
        return 200, "duplicate"
    return _process(existing.id, existing.payload, existing.object_id)  # Stripe retries a failure


def _log_bad_signature(payload: bytes, signature: str | None, error: Exception) -> None:
    """Warn of a refused delivery with what tells Stripe's own apart from junk: the event
    id the body claims and when the signature says it was signed. Stripe's deliveries
    refused one after another mean the endpoint's secret is not the shop's. Nothing is
    stored: anyone can post here. Neither the body nor the secret is logged."""
    log_event("webhook.rejected", level=logging.WARNING, outcome="bad signature",
              reason=str(error), event=_claimed_event_id(payload),
              signed_at=_signed_at(signature))


def _claimed_event_id(payload: bytes) -> str | None:
    """The event id an unverified body claims, if it parses and has the shape of one."""
    try:
        claimed = json.loads(payload.decode("utf-8", errors="replace")).get("id")
    except (ValueError, RecursionError, AttributeError):
        return None
    return claimed if isinstance(claimed, str) and _EVENT_ID.fullmatch(claimed) else None


def _signed_at(signature: str | None) -> str | None:
    """The time in a Stripe-Signature header's `t=`, as an ISO timestamp in UTC."""
    for part in (signature or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 11:
            try:
                return datetime.fromtimestamp(int(value), UTC).isoformat()
            except (OverflowError, OSError, ValueError):
                return None
    return None


def _insert_once(inbox: StripeEvent) -> bool:
    """Insert the event unless its id is stored; True if this call stored it.

    One statement (INSERT ... ON CONFLICT DO NOTHING RETURNING): a concurrent
    delivery of the same event waits on the unique key until this one's
    transaction ends, then finds the row and answers "duplicate".
    """
    values = {column.key: getattr(inbox, column.key) for column in _INBOX.columns}
    return insert_or_skip(_INBOX, values, conflict=["id"], returning="id") is not None


def _stored(event_id: str) -> StripeEvent | None:
    return db.session.execute(_STORED, {"event_id": event_id}).scalar_one_or_none()


def reprocess(inbox: StripeEvent) -> tuple[int, str]:
    """Run a stored event through its handler again (admin action or CLI)."""
    return _process(inbox.id, inbox.payload, inbox.object_id)


def _process(event_id: str, payload: dict, object_id: str | None) -> tuple[int, str]:
    """Run the event's handler and store its outcome in the same transaction."""
    _load_handlers()
    fn = HANDLERS.get(payload.get("type"))
    try:
        outcome = (fn(payload) or "processed") if fn else "ignored"
        db.session.execute(_STORE_OUTCOME,
                           {"event_id": event_id, "outcome": outcome, "at": utcnow()})
        db.session.commit()
    except Exception as error:  # any failure is stored for an admin to see and reprocess
        db.session.rollback()
        recorded = store_failure(event_id, payload, error)
        log_event("webhook.handled", event=event_id, type=payload.get("type"), object=object_id,
                  outcome="failed", error=_described(error))
        if not recorded:
            return 200, "duplicate"  # another delivery handled it meanwhile
        # 500 asks Stripe to deliver again, which helps unless Stripe itself refused
        # the shop's request about the event's object (it will refuse it again).
        return (200 if isinstance(error, stripe_client.InvalidRequest) else 500), "failed"
    log_event("webhook.handled", event=event_id, type=payload.get("type"), object=object_id,
              outcome=outcome)
    return 200, outcome


def _described(error: Exception) -> str:
    """The error for the admin's inbox and the log: a Stripe outage's own words (the
    status and what Stripe or the network said), not the notice customers are shown."""
    text = f"{type(error).__name__}: {error}"
    cause = error.__cause__
    if isinstance(error, stripe_client.PaymentsUnavailable) and cause is not None:
        text = f"{type(error).__name__} ({type(cause).__name__}: {cause})"
    return text[:2000]


def store_failure(event_id: str, payload: dict, error: Exception) -> bool:
    """Store that handling the event failed, unless another delivery has handled it.

    Called after this delivery's transaction rolled back. If this delivery was the
    first, the rollback took its inbox row with it, and a copy of the event that
    was waiting on that row may have been handled and committed since: its outcome
    stands, and False says so (a "failed" here would only make Stripe's retry run
    the handler a second time). Otherwise the row is stored or kept as "failed",
    with one more attempt counted, and the answer is True.
    """
    failure = _parse(payload)
    failure.status, failure.attempts = "failed", 1
    failure.last_error = _described(error)
    if _insert_once(failure):
        db.session.commit()
        return True
    inbox = _stored(event_id)  # committed by another delivery, or failed before; locked
    if inbox is None or inbox.status not in ("received", "failed"):
        db.session.commit()
        return False
    inbox.status = "failed"
    inbox.attempts = (inbox.attempts or 0) + 1
    inbox.last_error = failure.last_error
    db.session.commit()
    return True
