from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db
from shop.models.base import UTCDateTime, utcnow


class SavedCard(db.Model):
    """A card a customer saved at Stripe; we keep only what the page shows."""

    __tablename__ = "saved_card"
    __table_args__ = (
        CheckConstraint("exp_month BETWEEN 1 AND 12", name="exp_month_valid"),
        # At most one default card per user, enforced by the database.
        Index(
            "uq_saved_card_default_per_user",
            "user_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )
    # Removing a card and Stripe's payment_method.detached webhook both delete the
    # row, in whichever order they arrive; finding it already gone is the same outcome.
    __mapper_args__ = {"confirm_deleted_rows": False}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    stripe_payment_method_id: Mapped[str] = mapped_column(String(255), unique=True)
    brand: Mapped[str] = mapped_column(String(40))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int]
    exp_year: Mapped[int]
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def is_expired(self, today: date | None = None) -> bool:
        today = today or utcnow().date()
        return (self.exp_year, self.exp_month) < (today.year, today.month)
