import unicodedata
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Index, String, func
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from shop.extensions import db
from shop.models.base import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120), default="")
    is_admin: Mapped[bool] = mapped_column(default=False)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # How many of the user's Stripe customers were deleted at Stripe. The next
    # customer's idempotency key counts them: Stripe answers a key it saw in the last
    # 24 hours with its first response, which would be the deleted customer.
    deleted_stripe_customers: Mapped[int] = mapped_column(default=0, server_default="0")
    # Raised when the user signs out. Sessions live in signed cookies; the epoch in
    # each one must match, so signing out ends every session signed in before it,
    # copies of its cookie included.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def get_id(self) -> str:
        """What a session keeps of its user: the id and the session epoch."""
        return f"{self.id}.{self.session_epoch}"

    @staticmethod
    def normalize_email(email: str) -> str:
        """The one spelling an address is stored and looked up in: lower case, and
        Unicode's composed form (NFC), so "é" typed as one character or as "e" and an
        accent is the same address (migration 0008 brought older rows to it)."""
        return unicodedata.normalize("NFC", email.strip().lower())

    def set_password(self, password: str) -> None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        self.password_hash = generate_password_hash(password, method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


# Emails are unique whatever their letter case.
Index("uq_user_email_lower", func.lower(User.email), unique=True)
