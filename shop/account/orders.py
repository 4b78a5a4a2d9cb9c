"""My orders: a signed-in customer's order history and order pages."""

from flask import abort, render_template
from flask_login import current_user, login_required

from shop.account.routes import bp
from shop.extensions import db
from shop.models import Order
from shop.services import orders


@bp.get("/orders")
@login_required
def my_orders():
    rows = (
        db.session.execute(
            db.select(Order)
            .where(Order.user_id == current_user.id)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(100)
        )
        .scalars()
        .all()
    )
    return render_template("account/orders.html", orders=rows)


@bp.get("/orders/<number>")
@login_required
def my_order(number: str):
    order = orders.find_order(number)
    if order is None or order.user_id != current_user.id:
        abort(404)
    return render_template("account/order.html", order=order)
