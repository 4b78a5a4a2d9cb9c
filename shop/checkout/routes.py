from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from shop.cart.routes import render_cart, session_cart, store_cart
from shop.checkout import access
from shop.checkout.blueprint import bp
from shop.checkout.forms import CheckoutForm
from shop.extensions import db, limiter
from shop.services import order_summaries, orders
from shop.web.readonly import reads_only
from shop.web.requests import valid_request_key


def _checkout_limit() -> str:
    return current_app.config["CHECKOUT_RATE_LIMIT"]


@bp.post("/checkout")
@limiter.limit(
    _checkout_limit,
    error_message="Too many orders placed from here. Please wait a few minutes and try again.",
)
def checkout():
    form = CheckoutForm()
    cart = session_cart()
    if not form.validate_on_submit():
        return render_cart(checkout=form, status=400)  # each error beside its field
    user = current_user if current_user.is_authenticated else None
    try:
        order = orders.place_order(cart, form.email.data, user, form.cart_version.data or None,
                                   valid_request_key(form.checkout_key.data))
    except orders.OrderError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("cart.show"))
    number = order.number  # read before the commit expires it
    # A session that remembers the order got this form's answer before, with the cart
    # emptied: what it holds now came since. Otherwise it still holds what was ordered.
    left = cart if number in access.placed_here() else _cart_without(cart, order)
    db.session.commit()
    store_cart(left)
    if left:
        flash("This form placed its order earlier; what you added to your cart since is"
              " still in it.", "info")
    # Signed in too: if the account is signed out elsewhere meanwhile, this browser
    # still gets back to the order it is paying, for as long as a link would.
    access.remember_placed_order(number)
    return redirect(url_for("checkout.pay", number=number))


def _cart_without(cart: dict[str, int], order) -> dict[str, int]:
    """The cart less what the order took: nothing for the cart that placed it; for the
    same form sent again after a lost answer (whose emptied cart the browser never got)
    while another tab added items, what was added since."""
    left = dict(cart)
    for line in order.lines:
        key = str(line.product_id)
        if key in left:
            left[key] -= line.quantity
            if left[key] <= 0:
                del left[key]
    return left


@bp.get("/orders/<number>")
@reads_only
def status(number: str):
    order = access.summary_or_404(number)
    return render_template(
        "checkout/status.html",
        order=order,
        access_link=_access_link(order),
        failure=order_summaries.last_failure(order) if order.status == "pending" else None,
        cancelled=order_summaries.how_cancelled(order) if order.status == "canceled" else None,
    )


@bp.get("/orders/<number>/access/<token>")
def signed_access(number: str, token: str):
    order = orders.find_order(number) if access.number_from_token(token) == number else None
    if order is None or not access.opens(order):
        abort(404)
    access.remember_opened_order(number)
    return redirect(url_for("checkout.status", number=number))


def _access_link(order) -> str | None:
    if order.user_id is not None:
        return None
    return url_for(
        "checkout.signed_access",
        number=order.number,
        token=access.access_token(order),
        _external=True,
    )


@bp.app_template_global()
def checkout_form() -> CheckoutForm:
    """The cart page's checkout form, prefilled for signed-in customers."""
    form = CheckoutForm()
    if current_user.is_authenticated and not form.email.data:
        form.email.data = current_user.email
    form.cart_version.data = orders.cart_version(session_cart())
    return form
