"""My orders: a signed-in customer's order history and order pages."""

from flask import abort, render_template, request
from flask_login import current_user, login_required

from shop.account.routes import bp
from shop.extensions import db
from shop.models import Order
from shop.services import orders

ORDERS_PER_PAGE = 50
LAST_PAGE = 10_000


@bp.get("/orders")
@login_required
def my_orders():
    """The customer's orders, newest first, a page at a time."""
    page = max(request.args.get("page", 1, type=int), 1)
    if page > LAST_PAGE:
        abort(404)
    rows = (
        db.session.execute(
            db.select(Order)
            .where(Order.user_id == current_user.id)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .offset((page - 1) * ORDERS_PER_PAGE)
            .limit(ORDERS_PER_PAGE + 1)  # one more says whether there are older ones
        )
        .scalars()
        .all()
    )
    if page > 1 and not rows:
        abort(404)
    return render_template("account/orders.html", orders=rows[:ORDERS_PER_PAGE], page=page,
                           older=len(rows) > ORDERS_PER_PAGE)


@bp.get("/orders/<number>")
@login_required
def my_order(number: str):
    order = orders.find_order(number)
    if order is None or order.user_id != current_user.id:
        abort(404)
    return render_template("account/order.html", order=order)
