"""The cart: product ids and quantities held by the caller, prices always from the database.

The cart itself is a plain `{product_id: quantity}` mapping (the web layer keeps
it in the session); everything priced is recomputed here on every read.
"""

from dataclasses import dataclass, field

from flask import current_app

from shop.extensions import db
from shop.models import Product


class CartError(ValueError):
    """A cart change that cannot be made; the message is fit to show the customer."""


@dataclass
class CartLine:
    product: Product
    quantity: int
    problem: str | None = None
    # A problem no quantity can fix (gone, out of stock, not sold in the shop's
    # currency): the customer can only remove the line.
    only_removable: bool = False

    @property
    def line_total_minor(self) -> int:
        return self.product.price_minor * self.quantity


@dataclass
class CartView:
    lines: list[CartLine] = field(default_factory=list)

    @property
    def subtotal_minor(self) -> int:
        return sum(line.line_total_minor for line in self.lines if line.problem is None)

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines


# Orders are charged in the shop's currency (SHOP_CURRENCY) at the product's price in
# minor units: a product priced in another currency (left over after the setting
# changed) would be charged the same number in the wrong currency, so it is not sold.
FOREIGN_CURRENCY = "Not sold in this shop's currency."


def _sold_here(product: Product) -> bool:
    return product.currency.lower() == current_app.config["SHOP_CURRENCY"]


def product_on_sale(product_id: object) -> Product | None:
    """The active product with this id, or None."""
    product = db.session.get(Product, product_id) if isinstance(product_id, int) else None
    return product if product is not None and product.active else None


def _buyable(product_id: object) -> Product:
    product = product_on_sale(product_id)
    if product is None:
        raise CartError("That product is not available.")
    if not _sold_here(product):
        raise CartError(f"{product.name}: {FOREIGN_CURRENCY}")
    return product


def _per_order() -> int:
    """The most of one product an order may take: each order holds its stock while it
    waits to be paid, so one order must not take a product off sale for everyone."""
    return current_app.config["MAX_PER_PRODUCT"]


def _quoted(product: Product) -> str:
    # In quotes a product's name reads as a name: 3 of "Enamel camp mug", not
    # "3 Enamel camp mug", whatever the name's grammar.
    return f'"{product.name}"'


def _check_quantity(product: Product, quantity: int) -> None:
    if product.stock < 1:
        raise CartError(f"Sorry, {_quoted(product)} is out of stock.")
    if quantity > _per_order() and product.stock > _per_order():
        raise CartError(f"You can buy at most {_per_order()} of {_quoted(product)} in one order.")
    if quantity > product.stock:
        verb = "is" if product.stock == 1 else "are"
        raise CartError(f"Only {product.stock} of {_quoted(product)} {verb} left.")
    if quantity < 1:
        raise CartError("Choose a quantity of 1 or more.")


def parse_product_id(raw: object) -> int | None:
    text = str(raw or "")
    # isdigit() alone also accepts digits such as "²" that int() refuses.
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def add(cart: dict[str, int], product_id: int | None, quantity: int) -> Product:
    """Add `quantity` of a product; the total for that product must stay within stock."""
    product = _buyable(product_id)
    in_cart = cart.get(str(product.id), 0)
    new_quantity = in_cart + quantity
    most = min(product.stock, _per_order())
    if in_cart and product.stock >= 1 and new_quantity > most:
        # "Only 10 left" would puzzle someone adding 9 with 2 already in the cart.
        room = most - in_cart
        has = f"You already have {in_cart} of {_quoted(product)} in your cart"
        if room > 0:
            raise CartError(f"{has}; you can add {'up to ' if room > 1 else ''}{room} more.")
        limit = "we have" if most == product.stock else "one order may take"
        if room == 0:
            raise CartError(f"{has}, {'all' if most == product.stock else 'the most'} {limit}.")
        # A cart from before the stock fell or the limit was lowered can hold more than
        # `most`: that is not "all we have", and the way on is to lower it.
        raise CartError(f"{has}, more than the {most} {limit}; lower that quantity first.")
    _check_quantity(product, new_quantity)
    cart[str(product.id)] = new_quantity
    return product


def update(cart: dict[str, int], product_id: int | None, quantity: int) -> Product:
    if str(product_id) not in cart:
        raise CartError("That product is not in your cart.")
    product = _buyable(product_id)
    _check_quantity(product, quantity)
    cart[str(product.id)] = quantity
    return product


def remove(cart: dict[str, int], product_id: int | None) -> None:
    if cart.pop(str(product_id), None) is None:
        raise CartError("That product is not in your cart.")


def _unsellable(product: Product) -> str | None:
    """Why none of the product can be bought now, whatever the quantity; None if it can."""
    if not product.active:
        return "No longer available."
    if not _sold_here(product):
        return FOREIGN_CURRENCY
    if product.stock < 1:
        return "Out of stock."
    return None


def view(cart: dict[str, int]) -> CartView:
    """Price the cart from the database; flag lines that can no longer be bought."""
    ids = [int(pid) for pid in cart if pid.isdigit()]
    products = {
        p.id: p for p in db.session.execute(db.select(Product).where(Product.id.in_(ids))).scalars()
    }
    result = CartView()
    for pid, quantity in cart.items():
        product = products.get(int(pid)) if pid.isdigit() else None
        if product is None:
            continue
        unsellable = _unsellable(product)
        if unsellable is not None:
            result.lines.append(CartLine(product, quantity, unsellable, only_removable=True))
            continue
        problem = None
        if quantity > product.stock:
            problem = f"Only {product.stock} left; lower the quantity."
        elif quantity > _per_order():
            problem = f"At most {_per_order()} in one order; lower the quantity."
        result.lines.append(CartLine(product, quantity, problem))
    return result
