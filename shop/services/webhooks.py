"""The webhook inbox: verify, store each Stripe event once, dispatch, record the outcome.

A delivery is its own unit of work, like a CLI command: `receive` commits. Events
arrive late, twice and out of order, so handlers re-read the object from Stripe
and apply it through the same services as the pages.
"""

import importlib
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from shop.extensions import db
from shop.logs import log_event
from shop.models import StripeEvent, utcnow
from shop.services import stripe_client

Handler = Callable[[dict, StripeEvent], str | None]
HANDLERS: dict[str, Handler] = {}
# Modules whose @handler functions serve events; imported on first delivery.
HANDLER_MODULES = ("shop.services.stripe_events", "shop.services.cards")
_loaded = False


class MalformedEvent(ValueError):
    """A correctly signed body that is not a Stripe event we can read."""


def handler(*event_types: str) -> Callable[[Handler], Handler]:
    """Register `fn(event, inbox) -> "processed" | "ignored"` for these event types."""

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


def _parse(event: dict) -> StripeEvent:
    try:
        obj = event["data"]["object"]
        event_id, event_type, created = event["id"], event["type"], event["created"]
        if not (isinstance(event_id, str) and event_id.startswith("evt_") and len(event_id) < 255):
            raise TypeError("id")
        if not isinstance(event_type, str) or not isinstance(obj, dict):
            raise TypeError("type")
        created_at = datetime.fromtimestamp(int(created), UTC)
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as error:
        raise MalformedEvent(f"not a Stripe event: {error}") from None
    object_id = obj.get("id") if isinstance(obj.get("id"), str) else None
    return StripeEvent(
        id=event_id,
        type=event_type[:100],
        created=created_at,
        livemode=bool(event.get("livemode")),
        object_id=object_id,
        payload=event,
        status="received",
        attempts=0,
    )


def receive(payload: bytes, signature: str | None) -> tuple[int, str]:
    """Handle one delivery; returns the HTTP status for Stripe and a short outcome."""
    try:
        event = stripe_client.construct_event(payload, signature)
    except stripe_client.InvalidSignature:
        log_event("webhook.rejected", outcome="bad signature")
        return 400, "bad signature"
    except ValueError:
        log_event("webhook.rejected", outcome="not JSON")
        return 400, "malformed event"
    try:
        inbox = _parse(event)
    except MalformedEvent as error:
        log_event("webhook.rejected", outcome=str(error))
        return 400, "malformed event"
    existing = _stored(inbox.id)
    if existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(inbox)
        except IntegrityError:  # the same event is being delivered concurrently
            existing = _stored(inbox.id)
    if existing is not None:
        if existing.status != "failed":
            db.session.commit()
            log_event("webhook.duplicate", event=inbox.id, type=inbox.type)
            return 200, "duplicate"
        inbox = existing  # Stripe is retrying an event that failed: try it again.
    return _process(inbox)


def _stored(event_id: str) -> StripeEvent | None:
    return db.session.execute(
        db.select(StripeEvent)
        .where(StripeEvent.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def reprocess(inbox: StripeEvent) -> tuple[int, str]:
    """Run a stored event through its handler again (admin action or CLI)."""
    return _process(inbox)


def _process(inbox: StripeEvent) -> tuple[int, str]:
    _load_handlers()
    event_id, payload = inbox.id, inbox.payload
    fn = HANDLERS.get(inbox.type)
    try:
        outcome = (fn(payload, inbox) or "processed") if fn else "ignored"
        inbox.status = outcome
        inbox.attempts += 1
        inbox.last_error = None
        inbox.processed_at = utcnow()
        db.session.commit()
    except Exception as error:  # any failure: store it and let Stripe retry
        db.session.rollback()
        _store_failure(event_id, payload, error)
        log_event("webhook.failed", event=event_id, type=payload.get("type"), error=repr(error))
        return 500, "failed"
    log_event("webhook.handled", event=event_id, type=payload.get("type"), outcome=outcome)
    return 200, outcome


def _store_failure(event_id: str, payload: dict, error: Exception) -> None:
    inbox = db.session.get(StripeEvent, event_id) or _parse(payload)
    db.session.add(inbox)
    inbox.status = "failed"
    inbox.attempts = (inbox.attempts or 0) + 1
    inbox.last_error = f"{type(error).__name__}: {error}"[:2000]
    db.session.commit()
