from flask import Blueprint, abort, current_app, render_template, request

from shop.cart.forms import AddToCartForm
from shop.services import catalog
from shop.web.fragments import render_once
from shop.web.readonly import reads_only

bp = Blueprint("catalog", __name__)
# Past any real catalog's last page; a larger number would overflow the database's OFFSET.
LAST_PAGE = 100_000


@bp.get("/")
@reads_only
def index():
    page = max(request.args.get("page", 1, type=int), 1)
    if page > LAST_PAGE:
        abort(404)
    products = catalog.listing(page, current_app.config["PRODUCTS_PER_PAGE"])
    if page > 1 and not products.items:
        abort(404)
    grid = render_once(products, "catalog/_grid.html", lambda: {"products": products})
    return render_template("catalog/index.html", grid=grid, page=page)


@bp.get("/products/<slug>")
@reads_only
def product(slug: str):
    item = catalog.find_product(slug)
    if item is None:
        abort(404)
    detail = render_once(item, "catalog/_product.html", lambda: _detail_context(item))
    return render_template("catalog/product.html", product=item, detail=detail)


def _detail_context(item: catalog.ProductCard) -> dict:
    # The token is rendered per visitor by the fragment; the form only lays out the fields.
    form = AddToCartForm(product_id=item.id, quantity=1, meta={"csrf": False})
    return {"product": item, "form": form}
