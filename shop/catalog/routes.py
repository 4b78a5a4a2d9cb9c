from flask import Blueprint, abort, current_app, render_template, request

from shop.cart.forms import AddToCartForm
from shop.services import catalog

bp = Blueprint("catalog", __name__)


@bp.get("/")
def index():
    page = max(request.args.get("page", 1, type=int), 1)
    products = catalog.listing(page, current_app.config["PRODUCTS_PER_PAGE"])
    if page > 1 and not products.items:
        abort(404)
    return render_template("catalog/index.html", products=products)


@bp.get("/products/<slug>")
def product(slug: str):
    item = catalog.find_product(slug)
    if item is None:
        abort(404)
    form = AddToCartForm(product_id=item.id, quantity=1)
    return render_template("catalog/product.html", product=item, form=form)
