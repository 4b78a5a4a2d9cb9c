from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from shop.auth import devices
from shop.auth.forms import LoginForm, RegisterForm
from shop.cart.forms import EmptyForm
from shop.checkout import access
from shop.extensions import db, limiter
from shop.models import User
from shop.services import accounts
from shop.web.limits import counted_unless
from shop.web.requests import local_path

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_login_limit() -> str:
    return current_app.config["ACCOUNT_LOGIN_RATE_LIMIT"]


def _account_named() -> str:
    """The account a sign-in attempt names: guessing one account's password from many
    addresses is counted against that account, whoever makes the guesses. A browser
    that has signed in to it before counts apart (shop.auth.devices)."""
    email = User.normalize_email(request.form.get("email") or "")[:320]
    device = devices.device_of(accounts.find_by_email(email) if email else None)
    return f"account:{email}" + (f":{device}" if device else "")


def _sign_in_failed(response) -> bool:
    return response.status_code != 302  # a successful sign-in redirects


ACCOUNT_LOCKED = ("Too many failed attempts to log in to this account. Please wait a while "
                  "and try again.")
TOO_MANY_LOGINS = ("Too many attempts to log in from here. Please wait a few minutes and try "
                   "again.")
TOO_MANY_SIGN_UPS = ("Too many attempts to create an account from here. Please wait a few "
                     "minutes and try again.")


def safe_next(target: str | None) -> str:
    """Only follow `next` to a path on this site; anything else goes home."""
    return local_path(target) or url_for("catalog.index")


def _keep_guest_orders(user: User) -> None:
    """Orders placed as a guest in this browser, under this account's address, join
    the account's orders."""
    if accounts.claim_guest_orders(user, access.placed_here()):
        db.session.commit()


def _sign_in(user: User) -> None:
    """Sign the user in with a new CSRF token: one known before signing in (planted
    with the cookie, or read off a page) must not work for the account."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)
    g.pop(field, None)
    login_user(user)
    _keep_guest_orders(user)


@bp.errorhandler(429)
def too_many_attempts(error):
    """A refused attempt comes back as its form, with what was typed (not the
    password) and why, rather than as a bare error page."""
    flash(error.description, "error")
    if request.endpoint == "auth.register":
        return render_template("auth/register.html", form=RegisterForm()), 429
    return render_template("auth/login.html", form=LoginForm()), 429


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], error_message=TOO_MANY_LOGINS)
@limiter.limit(_account_login_limit, methods=["POST"], key_func=_account_named,
               error_message=ACCOUNT_LOCKED)
@counted_unless(_sign_in_failed, "account:", limiter)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            _sign_in(user)
            flash("You are logged in.", "success")
            return devices.remember(redirect(safe_next(request.args.get("next"))), user)
        flash("Wrong email or password.", "error")
    return render_template("auth/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], error_message=TOO_MANY_SIGN_UPS)
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(form.email.data, form.password.data, form.name.data or "")
        except accounts.AccountError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            _sign_in(user)
            flash("Welcome! Your account is ready.", "success")
            return devices.remember(redirect(safe_next(request.args.get("next"))), user)
    return render_template("auth/register.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    if EmptyForm().validate_on_submit() and current_user.is_authenticated:
        accounts.end_sessions(current_user._get_current_object())
        db.session.commit()
        logout_user()
        # Nothing of the visit stays behind for the next person at this browser: not
        # the cart, nor the guest orders it could open.
        session.clear()
        flash("You are logged out.", "info")
    return redirect(url_for("catalog.index"))
