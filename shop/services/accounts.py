"""Customer and admin accounts."""

import secrets
from functools import cache

from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from shop.extensions import db
from shop.models import Order, User

EMAIL_TAKEN = "An account with that email already exists."


class AccountError(ValueError):
    """An account change that cannot be made; the message is fit to show."""


def find_by_email(email: str) -> User | None:
    normalized = User.normalize_email(email)
    return db.session.execute(
        db.select(User).where(db.func.lower(User.email) == normalized)
    ).scalar_one_or_none()


def register(email: str, password: str, name: str = "", is_admin: bool = False) -> User:
    """Create a user; raises AccountError when the email is taken in any letter case."""
    if find_by_email(email) is not None:
        raise AccountError(EMAIL_TAKEN)
    user = User(email=User.normalize_email(email), name=name.strip(), is_admin=is_admin)
    user.set_password(password)
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        # A second request for the same email (a double click on "Create account")
        # passed the check above too; the unique index let only one of them in.
        raise AccountError(EMAIL_TAKEN) from None
    return user


def claim_guest_orders(user: User, numbers: list) -> int:
    """Give `user` the guest orders this browser placed (`numbers`, from its session)
    under the user's own email address; returns how many.

    Both are needed: the session proves this browser placed them, and the address
    keeps a shared computer's earlier guest's orders from going to whoever signs in
    next. An address alone proves nothing: accounts are not verified.
    """
    numbers = [n for n in numbers if isinstance(n, str)][:50]
    if not numbers:
        return 0
    result = db.session.execute(
        db.update(Order)
        .where(
            Order.number.in_(numbers),
            Order.user_id.is_(None),
            db.func.lower(Order.email) == user.email,
        )
        .values(user_id=user.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


@cache
def _nobodys_password_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method)


def authenticate(email: str, password: str) -> User | None:
    user = find_by_email(email)
    if user is None:
        # As slow as a wrong password, so the time taken does not tell who has an account.
        check_password_hash(_nobodys_password_hash(current_app.config["PASSWORD_HASH_METHOD"]),
                            password)
        return None
    return user if user.check_password(password) else None


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every session signed in until now stops working.
    One UPDATE, so two sign-outs at once each count."""
    db.session.execute(
        db.update(User).where(User.id == user.id)
        .values(session_epoch=User.session_epoch + 1)
        .execution_options(synchronize_session=False)
    )


def make_admin(email: str, password: str) -> User:
    """Create an admin, or promote an existing user and set the password."""
    user = find_by_email(email)
    if user is None:
        return register(email, password, is_admin=True)
    user.is_admin = True
    user.set_password(password)
    end_sessions(user)  # a new password: whoever had the old one is signed out
    return user
