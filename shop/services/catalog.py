"""What the catalog pages show, read through a short-lived per-process cache.

Catalog and product pages are most of a shop's traffic and change rarely, so each
app process keeps what it read for `CATALOG_CACHE_SECONDS` (0 turns the cache off).
The copies are plain snapshots, never ORM objects shared between requests. Stock
shown on these pages may lag by that long; it is only a hint, since adding to the
cart and checking out read and reserve stock in the database.

Each reload makes new snapshot objects, and a snapshot is only ever equal to itself:
HTML rendered from one (`shop.web.fragments`) is kept exactly as long as it is.
"""

import math
import time
from dataclasses import dataclass

from flask import current_app

from shop.extensions import db
from shop.models import Product


@dataclass(frozen=True, eq=False)
class ProductCard:
    """A product as the catalog pages show it."""

    id: int
    slug: str
    name: str
    description: str
    price_minor: int
    currency: str
    stock: int
    image: str | None

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


@dataclass(frozen=True, eq=False)
class CatalogPage:
    """One page of the listing, with what the template's pager needs."""

    items: list[ProductCard]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1


def _card(product: Product) -> ProductCard:
    return ProductCard(
        id=product.id,
        slug=product.slug,
        name=product.name,
        description=product.description,
        price_minor=product.price_minor,
        currency=product.currency,
        stock=product.stock,
        image=product.image,
    )


def _cached(key: tuple, load):
    seconds = current_app.config.get("CATALOG_CACHE_SECONDS", 0)
    if seconds <= 0:
        return load()
    cache = current_app.extensions.setdefault("catalog_cache", {})
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    if len(cache) > 1000:  # slugs are unbounded input; keep the cache small
        cache.clear()
    value = load()
    cache[key] = (now + seconds, value)
    return value


def listing(page: int, per_page: int) -> CatalogPage:
    """Active products by name, one page of them (an empty page past the end)."""

    def load() -> CatalogPage:
        active = Product.active.is_(True)
        total = db.session.execute(db.select(db.func.count(Product.id)).where(active)).scalar_one()
        products = db.session.execute(
            db.select(Product)
            .where(active)
            .order_by(Product.name, Product.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).scalars()
        return CatalogPage([_card(p) for p in products], page, per_page, total)

    return _cached(("page", page, per_page), load)


def find_product(slug: str) -> ProductCard | None:
    """The active product with this slug, or None."""

    def load() -> ProductCard | None:
        product = db.session.execute(
            db.select(Product).where(Product.slug == slug, Product.active.is_(True))
        ).scalar_one_or_none()
        return _card(product) if product is not None else None

    return _cached(("product", slug), load)
