from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user
from markupsafe import Markup

from shop.cart.forms import AddToCartForm, EmptyForm, UpdateCartForm
from shop.checkout import access
from shop.services import cart as carts
from shop.services import catalog, order_summaries
from shop.web.requests import referring_page

bp = Blueprint("cart", __name__, url_prefix="/cart")


def session_cart() -> dict[str, int]:
    """The session's cart as a fresh dict; save it back with `store_cart`."""
    raw = session.get("cart")
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, int) and v > 0}


def store_cart(cart: dict[str, int]) -> None:
    session["cart"] = cart
    session.modified = True


def _back() -> str:
    """The page the form was on (a product page, the catalog), if on this site."""
    return referring_page() or url_for("catalog.index")


def _form_errors(form) -> str:
    return " ".join(err for errors in form.errors.values() for err in errors)


@bp.get("/")
def show():
    return render_cart()


@dataclass(frozen=True)
class RefusedQuantity:
    """A quantity the cart refused, shown beside its line with what was typed."""

    product_id: int
    typed: str
    message: str


def render_cart(checkout=None, status: int = 200, refused: RefusedQuantity | None = None):
    """The cart page; `checkout`, a checkout form sent back with its errors beside its
    fields and what was typed kept; `refused`, a line's quantity change sent back."""
    view = carts.view(session_cart())
    page = render_template("cart/show.html", cart=view, form=UpdateCartForm(),
                           empty_form=EmptyForm(), checkout=checkout, refused_quantity=refused,
                           awaiting=_awaiting_payment())
    return page, status


# How many orders waiting for payment the cart page mentions, newest first.
AWAITING_SHOWN = 5


def _awaiting_payment() -> list[order_summaries.AwaitingPayment]:
    """Orders this visitor placed and has not paid: checkout empties the cart, so a
    guest who left the pay page finds the way back to their order here."""
    user_id = current_user.id if current_user.is_authenticated else None
    placed = access.placed_here()
    # Of the orders this browser placed, any may no longer open to it (joined to an
    # account since, its hold long over): reading that many more keeps them from
    # crowding out orders it may still see.
    found = order_summaries.awaiting_payment(placed, user_id, most=AWAITING_SHOWN + len(placed))
    return [order for order in found if access.can_view(order)][:AWAITING_SHOWN]


@bp.post("/add")
def add():
    form = AddToCartForm()
    if not form.validate_on_submit():
        return _refused(form, _form_errors(form) or "Could not add that to your cart.")
    cart = session_cart()
    try:
        product = carts.add(cart, carts.parse_product_id(form.product_id.data), form.quantity.data)
    except carts.CartError as error:
        return _refused(form, str(error))
    store_cart(cart)
    flash(f"Added {product.name} to your cart.", "success")
    return redirect(url_for("cart.show"))


def _refused(form: AddToCartForm, message: str):
    """Add to cart refused: the product's page again, the reason beside its quantity box
    and the number typed kept to correct (the page's cached form cannot show them). A
    product no longer on sale has no such box: the reason goes back as a message."""
    product = carts.product_on_sale(carts.parse_product_id(form.product_id.data))
    item = catalog.find_product(product.slug) if product is not None else None
    if item is None or not item.in_stock:
        flash(message, "error")
        return redirect(_back())
    form.quantity.errors = [message]
    form.quantity.raw_data = [(form.quantity.raw_data or [""])[0][:20]]
    detail = Markup(render_template("catalog/_product.html", product=item, form=form))  # noqa: S704
    return render_template("catalog/product.html", product=item, detail=detail, form=form), 400


@bp.post("/<int:product_id>/update")
def update(product_id: int):
    form = UpdateCartForm()
    cart = session_cart()
    try:
        if not form.validate_on_submit():
            raise carts.CartError(_form_errors(form) or "Enter a quantity.")
        carts.update(cart, product_id, form.quantity.data)
    except carts.CartError as error:
        if str(product_id) not in cart:  # no line to show it beside
            flash(str(error), "error")
            return redirect(url_for("cart.show"))
        # Beside the line it is about, with the number typed kept to correct.
        typed = (form.quantity.raw_data or [""])[0][:20]
        return render_cart(refused=RefusedQuantity(product_id, typed, str(error)), status=400)
    store_cart(cart)
    flash("Cart updated.", "success")
    return redirect(url_for("cart.show"))


@bp.post("/<int:product_id>/remove")
def remove(product_id: int):
    form = EmptyForm()
    cart = session_cart()
    try:
        if not form.validate_on_submit():
            raise carts.CartError("Could not remove that item; please try again.")
        carts.remove(cart, product_id)
    except carts.CartError as error:
        flash(str(error), "error")
        return redirect(url_for("cart.show"))
    store_cart(cart)
    flash("Removed from your cart.", "success")
    return redirect(url_for("cart.show"))
