from flask import Blueprint, abort, current_app, render_template, request

from shop.cart.forms import AddToCartForm
from shop.extensions import db
from shop.models import Product

bp = Blueprint("catalog", __name__)


@bp.get("/")
def index():
    page = request.args.get("page", 1, type=int)
    products = db.paginate(
        db.select(Product).where(Product.active.is_(True)).order_by(Product.name, Product.id),
        page=max(page, 1),
        per_page=current_app.config["PRODUCTS_PER_PAGE"],
        error_out=False,
    )
    if page > 1 and not products.items:
        abort(404)
    return render_template("catalog/index.html", products=products)


@bp.get("/products/<slug>")
def product(slug: str):
    item = db.session.execute(
        db.select(Product).where(Product.slug == slug, Product.active.is_(True))
    ).scalar_one_or_none()
    if item is None:
        abort(404)
    form = AddToCartForm(product_id=item.id, quantity=1)
    return render_template("catalog/product.html", product=item, form=form)
