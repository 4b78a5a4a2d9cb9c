"""Demo catalog and accounts for `flask seed` and `make run`."""

from flask import current_app

from shop.extensions import db
from shop.models import Product
from shop.money import minimum_charge, step
from shop.services import accounts

# slug, name, price in US cents, stock, description
DEMO_PRODUCTS = [
    ("enamel-mug", "Enamel camp mug", 1400, 40, "Sturdy steel mug with a glossy enamel coat."),
    ("linen-tea-towel", "Linen tea towel", 1200, 60, "Stonewashed linen that dries fast."),
    ("beeswax-candle", "Beeswax candle", 1800, 25, "Hand-poured, burns for 30 hours."),
    ("ceramic-bowl", "Ceramic bowl", 2400, 30, "Wheel-thrown stoneware, dishwasher safe."),
    ("oak-cutting-board", "Oak cutting board", 4500, 15, "End-grain oak, oiled and ready."),
    ("wool-blanket", "Wool throw blanket", 8900, 10, "Soft merino wool in a herringbone weave."),
    ("cast-iron-pan", "Cast iron pan", 5200, 12, "Pre-seasoned 26 cm skillet."),
    ("notebook", "Dot-grid notebook", 900, 100, "A5, 160 pages of fountain-pen-friendly paper."),
    ("brass-pen", "Brass pen", 3200, 20, "A solid brass ballpoint that ages beautifully."),
    ("leather-wallet", "Leather card wallet", 3900, 18, "Vegetable-tanned leather, four pockets."),
    ("coffee-beans", "Single-origin coffee", 1650, 50, "250 g of whole beans, roasted weekly."),
    ("teapot", "Glass teapot", 2800, 14, "Borosilicate glass with a steel infuser."),
    ("record-player", "Record player", 24900, 1, "Belt-driven turntable; the last one in stock."),
    ("sticker", "Shop sticker", 50, 500, "A vinyl sticker: the smallest order we take."),
]

DEMO_CUSTOMER = ("customer@example.com", "customer-pass")
DEMO_ADMIN = ("admin@example.com", "admin-pass")


def demo_price(us_cents: int, currency: str) -> int:
    """A demo price in `currency`'s minor units, as far above Stripe's minimum charge
    there as `us_cents` is above the US one: the sticker costs exactly the minimum, and
    every product can be bought alone in any currency. Rounded up to the steps Stripe
    moves the currency in (whole krónur; the last decimal 0 in three-decimal ones)."""
    scaled = -(-us_cents * minimum_charge(currency) // minimum_charge("usd"))  # rounded up
    return -(-scaled // step(currency)) * step(currency)


def seed_demo_data() -> list[tuple[str, str, str]]:
    """Insert whatever demo data is missing; running it twice changes nothing."""
    currency = current_app.config["SHOP_CURRENCY"]
    existing = set(db.session.execute(db.select(Product.slug)).scalars())
    for slug, name, price, stock, description in DEMO_PRODUCTS:
        if slug not in existing:
            db.session.add(
                Product(
                    slug=slug,
                    name=name,
                    description=description,
                    price_minor=demo_price(price, currency),
                    currency=currency,
                    stock=stock,
                    active=True,
                    image=f"img/products/{slug}.svg",
                )
            )
    logins = [("customer", *DEMO_CUSTOMER), ("admin", *DEMO_ADMIN)]
    for role, email, password in logins:
        if accounts.find_by_email(email) is None:
            accounts.register(email, password, name=f"Demo {role}", is_admin=role == "admin")
    db.session.flush()
    return logins
