from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db
from shop.models.base import UTCDateTime, utcnow

EVENT_STATUSES = ("received", "processed", "ignored", "failed")


class StripeEvent(db.Model):
    """The webhook inbox: each Stripe event id is stored once, then handled."""

    __tablename__ = "stripe_event"
    __table_args__ = (
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{s}'" for s in EVENT_STATUSES)),
            name="status_known",
        ),
        Index("ix_stripe_event_status_received_at", "status", "received_at"),
        Index("ix_stripe_event_type_received_at", "type", "received_at"),
        # The admin inbox lists every event newest first, walking (received_at, id).
        Index("ix_stripe_event_received_at_id", "received_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    livemode: Mapped[bool] = mapped_column(default=False)
    object_id: Mapped[str | None] = mapped_column(String(255), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="received")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
