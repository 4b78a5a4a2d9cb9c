from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import db
from shop.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from shop.models.payment import Dispute, Payment, Refund
    from shop.models.user import User


class OrderStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    CANCELED = "canceled"


_STATUSES = ", ".join(f"'{s.value}'" for s in OrderStatus)

# Stripe's dispute statuses that still need (or are waiting on) an answer; an order whose
# dispute_status is one of them has a dispute open.
OPEN_DISPUTE_STATUSES = (
    "warning_needs_response",
    "warning_under_review",
    "needs_response",
    "under_review",
)
# A chargeback takes the money back itself: Stripe refuses to refund the payment as
# well while it is open or once it is lost (an inquiry, warning_*, does not stop it).
CHARGEBACK_STATUSES = ("needs_response", "under_review", "lost")
# A dispute that ended with the money kept by the shop: won, or an inquiry closed.
DISPUTE_KEPT_STATUSES = ("won", "warning_closed")
# A refund in these statuses is not money back yet, but Stripe already counts it
# against what is left to refund on the charge.
PENDING_REFUND_STATUSES = ("pending", "requires_action")


class Order(db.Model):
    __tablename__ = "order"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="status_known"),
        CheckConstraint("subtotal_minor >= 0", name="subtotal_not_negative"),
        CheckConstraint("shipping_minor >= 0", name="shipping_not_negative"),
        CheckConstraint("tax_minor >= 0", name="tax_not_negative"),
        CheckConstraint(
            "total_minor = subtotal_minor + shipping_minor + tax_minor", name="total_adds_up"
        ),
        CheckConstraint(
            "amount_refunded_minor >= 0 AND amount_refunded_minor <= total_minor",
            name="refund_within_total",
        ),
        # Keyset pagination of the admin history walks (created_at, id) backwards.
        Index("ix_order_created_at_id", "created_at", "id"),
        Index("ix_order_status_created_at", "status", "created_at"),
        Index("ix_order_email", "email"),
        Index("ix_order_user_id_created_at", "user_id", "created_at"),
        Index("ix_order_status_reserved_until", "status", "reserved_until"),
        # The admin dashboard sums revenue over windows of paid_at.
        Index("ix_order_paid_at", "paid_at"),
        # One order per checkout form: the same form sent twice finds the first's order.
        Index("ix_order_checkout_key", "checkout_key", unique=True),
        # The admin history's "dispute open" filter: only disputed orders are indexed.
        Index(
            "ix_order_disputed_created_at_id",
            "created_at",
            "id",
            postgresql_where=text("dispute_status IS NOT NULL"),
            sqlite_where=text("dispute_status IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(254))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int]
    shipping_minor: Mapped[int] = mapped_column(default=0)
    tax_minor: Mapped[int] = mapped_column(default=0)
    total_minor: Mapped[int]
    amount_refunded_minor: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.PENDING.value)
    dispute_status: Mapped[str | None] = mapped_column(String(40))
    reserved_until: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkout_key: Mapped[str | None] = mapped_column(String(64))

    user: Mapped["User | None"] = relationship()
    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    events: Mapped[list["OrderEvent"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )
    payments: Mapped[list["Payment"]] = relationship(back_populates="order", order_by="Payment.id")
    refunds: Mapped[list["Refund"]] = relationship(back_populates="order", order_by="Refund.id")
    disputes: Mapped[list["Dispute"]] = relationship(back_populates="order", order_by="Dispute.id")

    @property
    def pending_refund_minor(self) -> int:
        """Asked for in refunds Stripe has not finished; not refunded yet."""
        return sum(r.amount_minor for r in self.refunds if r.status in PENDING_REFUND_STATUSES)

    @property
    def refundable_minor(self) -> int:
        """What a new refund may still ask for: Stripe counts pending refunds as taken."""
        return self.total_minor - self.amount_refunded_minor - self.pending_refund_minor

    @property
    def charged_back(self) -> bool:
        """A chargeback is open or lost: the dispute, not a refund, returns the money."""
        return self.dispute_status in CHARGEBACK_STATUSES

    def __repr__(self) -> str:
        return f"<Order {self.number} {self.status}>"


class OrderLine(db.Model):
    """A line copies the product's name and price at purchase time."""

    __tablename__ = "order_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_minor > 0", name="unit_price_positive"),
        CheckConstraint("line_total_minor = unit_price_minor * quantity", name="line_adds_up"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"))
    product_name: Mapped[str] = mapped_column(String(200))
    unit_price_minor: Mapped[int]
    quantity: Mapped[int]
    line_total_minor: Mapped[int]

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderEvent(db.Model):
    """One entry of an order's timeline: what happened, who did it, when.

    `key` makes an entry happen once: the same (order, key) cannot be written
    twice, whichever path (page, return URL, webhook, reconcile) gets there.
    """

    __tablename__ = "order_event"
    __table_args__ = (
        UniqueConstraint("order_id", "key", name="uq_order_event_order_id_key"),
        # The admin dashboard counts failures by kind over a time window.
        Index("ix_order_event_kind_created_at", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(254), default="system")
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    stripe_event_id: Mapped[str | None] = mapped_column(String(255))
    key: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    order: Mapped[Order] = relationship(back_populates="events")
