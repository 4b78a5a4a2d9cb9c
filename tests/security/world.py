"""A small shop with everyone in it, for the access, CSRF and fuzzing tests.

Alice (a customer) has an order with a PaymentIntent and a saved card; Bob is another
customer; two guests each placed an order in their own session; a third visitor has
nothing; and there is an admin. `state()` fingerprints everything a request could
change: every database row and every object at Stripe.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask.testing import FlaskClient
from sqlalchemy import select, text

from shop.checkout import access
from shop.extensions import db
from shop.models import Order, Product, SavedCard, StripeEvent, utcnow
from tests.conftest import AuthActions
from tests.payments_support import Shopper

PASSWORD = "matrix-pass-123"


@dataclass
class World:
    clients: dict[str, FlaskClient]
    product: Product
    user_order: Order
    guest_order: Order
    other_guest_order: Order
    card: SavedCard
    event_id: str
    intents: dict[str, str] = field(default_factory=dict)  # order number -> intent id


def _signed_in(app, email: str) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login(email, PASSWORD)
    return client


def _order_with_intent(shopper: Shopper, product: Product, email: str) -> tuple[Order, str]:
    order = shopper.checkout((product, 1), email=email)
    started = shopper.start(order)
    assert started.status_code == 200, started.get_json()
    return order, started.get_json()["intent_id"]


def _save_card(client: FlaskClient, browser_stripe) -> SavedCard:
    started = client.post("/account/cards/setup-intent", json={"request_key": "w" * 24})
    secret = started.get_json()["client_secret"]
    setup_intent_id = secret.split("_secret_")[0]
    browser_stripe.v1.setup_intents.confirm(
        setup_intent_id,
        params={"client_secret": secret, "payment_method": "pm_card_visa",
                "return_url": "http://localhost/account/cards/added"},
    )
    assert client.get(f"/account/cards/added?setup_intent={setup_intent_id}").status_code == 302
    return db.session.execute(select(SavedCard)).scalar_one()


def build_world(app, make_user, make_product, browser_stripe) -> World:
    """Everyone and everything the matrices need, made through the shop's own pages."""
    make_user(email="alice@example.com", password=PASSWORD)
    make_user(email="bob@example.com", password=PASSWORD)
    make_user(email="admin@example.com", password=PASSWORD, is_admin=True)
    product = make_product(name="Teapot", price_minor=2500, stock=50)
    clients = {
        "owner": _signed_in(app, "alice@example.com"),
        "customer": _signed_in(app, "bob@example.com"),
        "guest": app.test_client(),
        "other_guest": app.test_client(),
        "anonymous": app.test_client(),
        "admin": _signed_in(app, "admin@example.com"),
    }
    intents = {}
    user_order, intents_a = _order_with_intent(
        Shopper(clients["owner"], browser_stripe), product, "alice@example.com")
    guest_order, intents_g = _order_with_intent(
        Shopper(clients["guest"], browser_stripe), product, "guest@example.com")
    other_order, intents_h = _order_with_intent(
        Shopper(clients["other_guest"], browser_stripe), product, "other@example.com")
    intents = {user_order.number: intents_a, guest_order.number: intents_g,
               other_order.number: intents_h}
    card = _save_card(clients["owner"], browser_stripe)
    event = StripeEvent(
        id="evt_matrix_1", type="payment_intent.succeeded", created=utcnow(), livemode=False,
        object_id=intents_a, status="processed", attempts=1,
        payload={"id": "evt_matrix_1", "object": "event", "type": "payment_intent.succeeded",
                 "created": int(time.time()), "livemode": False,
                 "data": {"object": {"id": intents_a, "object": "payment_intent"}}},
    )
    db.session.add(event)
    db.session.commit()
    # The card as it was saved: tests remove it, and its id must stay readable after that.
    db.session.refresh(card)
    db.session.expunge(card)
    return World(clients, product, user_order, guest_order, other_order, card, event.id, intents)


def database_rows() -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    rows = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            result = conn.execute(text(f'SELECT * FROM "{table.name}"'))
            rows[table.name] = sorted(tuple(map(repr, row)) for row in result)
    return rows


def stripe_objects(stripe_api) -> tuple:
    """The newest event at Stripe (every change emits one) and the intents' current state."""
    events = stripe_api.v1.events.list(params={"limit": 1})["data"]
    intents = stripe_api.v1.payment_intents.list(params={"limit": 100})["data"]
    return (
        events[0]["id"] if events else None,
        sorted(
            (i["id"], i["status"], i["customer"], i["setup_future_usage"], i["payment_method"])
            for i in intents
        ),
    )


def state(stripe_api) -> tuple:
    """What a refused request must leave exactly as it was."""
    db.session.expire_all()
    return database_rows(), stripe_objects(stripe_api)


def get_routes(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if "GET" in r.methods), key=lambda r: r.rule
    )


def sample_values(world: World, role: str = "owner") -> dict:
    """Arguments for every GET route; a guest's order pages are their own order's."""
    order = world.guest_order if role == "guest" else world.user_order
    return {
        "number": order.number,
        "card_id": world.card.id,
        "event_id": world.event_id,
        "token": access.access_token(world.guest_order),
        "slug": world.product.slug,
        "filename": "css/shop.css",
        "product_id": world.product.id,
    }


# The pages each visitor opens (200) among the GET routes with sample_values': what a
# walk over every route must at least have seen, so that it cannot pass by seeing none.
_PUBLIC = {"catalog.index", "catalog.product", "cart.show", "auth.login", "auth.register"}
_CUSTOMER = _PUBLIC | {"checkout.status", "checkout.pay", "account.saved_cards",
                       "account.add_card", "account.my_orders", "account.my_order"}
PAGES_FOR = {
    "anonymous": _PUBLIC,
    "guest": _PUBLIC | {"checkout.status", "checkout.pay"},
    "owner": _CUSTOMER,
    "admin": (_CUSTOMER - {"account.my_order", "checkout.status", "checkout.pay"})
    | {"admin.dashboard", "admin.order_list", "admin.order_detail", "admin.event_list",
       "admin.event_detail"},
}


def visit_get_routes(app, world: World, role: str, **get_options) -> Iterator[tuple]:
    """(rule, url, response) for every GET route, requested by `role`'s client."""
    values = sample_values(world, role)
    urls = app.url_map.bind("localhost")
    for rule in get_routes(app):
        url = urls.build(rule.endpoint, {k: v for k, v in values.items() if k in rule.arguments})
        yield rule, url, world.clients[role].get(url, **get_options)
