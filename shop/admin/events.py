"""The webhook inbox: what Stripe sent, how it was handled, and reprocessing failures."""

import base64
import binascii
import json
from datetime import UTC, datetime

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select, tuple_

from shop.admin.blueprint import bp
from shop.admin.forms import ActionForm, EventFilterForm, query_args
from shop.extensions import db
from shop.models import Order, Payment, StripeEvent
from shop.services import orders, stripe_client, webhooks

PER_PAGE = 50


def _encode(event: StripeEvent) -> str:
    text = f"{event.received_at.astimezone(UTC).isoformat()}|{event.id}"
    return base64.urlsafe_b64encode(text.encode()).decode()


def _decode(token: str | None) -> tuple[datetime, str] | None:
    try:
        stamp, _, event_id = base64.urlsafe_b64decode(token or "").decode().partition("|")
        return datetime.fromisoformat(stamp), event_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def _event_page(status: str | None, event_type: str | None, after: str | None):
    """Newest first, walking (received_at, id) from a cursor like the order history."""
    query = select(StripeEvent)
    if status:
        query = query.where(StripeEvent.status == status)
    if event_type:
        query = query.where(StripeEvent.type == event_type)
    position = _decode(after)
    if position and position[0].tzinfo is not None:
        query = query.where(tuple_(StripeEvent.received_at, StripeEvent.id) < tuple_(*position))
    query = query.order_by(StripeEvent.received_at.desc(), StripeEvent.id.desc())
    events = list(db.session.execute(query.limit(PER_PAGE + 1)).scalars())
    older = _encode(events[PER_PAGE - 1]) if len(events) > PER_PAGE else None
    return events[:PER_PAGE], older


def _order_for(event: StripeEvent) -> Order | None:
    """The order an event is about, found through its PaymentIntent, if any."""
    obj = (event.payload.get("data") or {}).get("object") or {}
    intent = obj.get("id") if obj.get("object") == "payment_intent" else obj.get("payment_intent")
    if not isinstance(intent, str):
        return None
    return db.session.execute(
        select(Order).join(Payment, Payment.order_id == Order.id).where(Payment.intent_id == intent)
    ).scalar_one_or_none()


@bp.get("/events")
def event_list():
    form = EventFilterForm(formdata=request.args)
    known = db.session.execute(select(StripeEvent.type).distinct().order_by(StripeEvent.type))
    form.type.choices = [("", "Any"), *[(t, t) for t in known.scalars()]]
    form.validate()
    status, event_type = form.status.data or None, form.type.data or None
    events, older = _event_page(status, event_type, request.args.get("after"))
    filter_args = query_args(form, request.args)
    return render_template(
        "admin/events.html", form=form, events=events, older=older, filter_args=filter_args,
    )


@bp.get("/events/<event_id>")
def event_detail(event_id: str):
    event = db.get_or_404(StripeEvent, event_id)
    return render_template(
        "admin/event.html",
        event=event,
        order=_order_for(event),
        payload=json.dumps(event.payload, indent=2, sort_keys=True),
        action_form=ActionForm(),
        dashboard_url=stripe_client.dashboard_url("events", event.id),
    )


@bp.post("/events/<event_id>/reprocess")
def reprocess_event(event_id: str):
    event = db.get_or_404(StripeEvent, event_id)
    if ActionForm().validate_on_submit():
        webhooks.reprocess(event)  # commits the event's outcome, success or failure
        order = _order_for(event)
        if order is not None:
            orders.record(
                order,
                "admin_reprocess",
                f"{current_user.email} reprocessed {event.type} ({event.id}): {event.status}.",
                actor=current_user.email,
                actor_user=current_user._get_current_object(),
                stripe_event_id=event.id,
            )
        db.session.commit()
        category = "error" if event.status == "failed" else "success"
        flash(f"Event {event.id} reprocessed: {event.status}.", category)
    return redirect(url_for("admin.event_detail", event_id=event.id))
