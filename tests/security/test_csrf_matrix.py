"""Every state-changing route refuses a request without the CSRF token and changes nothing.

The routes come from `app.url_map`: each POST, PUT, PATCH or DELETE rule but Stripe's
webhook (which proves itself with a signature instead) is sent, by the user best placed
to succeed, exactly what an honest page would send minus the token.
"""

import pytest

from shop.extensions import csrf
from tests.conftest import csrf_token_from
from tests.security.world import World, state

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
EXEMPT = {"webhooks.stripe_webhook"}
ADMIN_PREFIX = "admin."


def visible_session(client) -> dict:
    """What the session holds for the visitor: cart, guest orders, who is signed in."""
    with client.session_transaction() as session:
        return {k: session.get(k) for k in ("cart", "orders", "_user_id")}


def unsafe_rules(app) -> list:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.methods & UNSAFE),
        key=lambda rule: rule.endpoint,
    )


def honest_request(app, world: World, rule) -> tuple[str, str, dict]:
    """(client role, URL, body) a real page would send for this rule, minus the token."""
    values = {
        "number": world.user_order.number,
        "card_id": world.card.id,
        "event_id": world.event_id,
        "product_id": world.product.id,
        "stripe_refund_id": "re_none",
    }
    url = app.url_map.bind("localhost").build(
        rule.endpoint, {k: v for k, v in values.items() if k in rule.arguments}
    )
    bodies = {
        "auth.login": {"data": {"email": "alice@example.com", "password": "matrix-pass-123"}},
        "auth.register": {"data": {"email": "new@example.com", "password": "new-pass-123",
                                   "confirm": "new-pass-123"}},
        "cart.add": {"data": {"product_id": world.product.id, "quantity": 1}},
        "cart.update": {"data": {"quantity": 2}},
        "checkout.checkout": {"data": {"email": "alice@example.com"}},
        "checkout.confirm": {"json": {"payment_intent": world.intents[world.user_order.number]}},
        "checkout.pay_with_saved_card": {"json": {"card_id": world.card.id,
                                                  "attempt": "csrf-matrix-key-0123456789"}},
        "checkout.create_intent": {"json": {"save_card": True}},
        "account.setup_intent": {"json": {"request_key": "csrf-matrix-key-0123456789"}},
        "admin.refund_order": {"data": {"amount": "5.00", "reason": "duplicate",
                                        "request_key": "a" * 32}},
    }
    role = "admin" if rule.endpoint.startswith(ADMIN_PREFIX) else "owner"
    if rule.endpoint in ("auth.login", "auth.register"):
        role = "anonymous"
    return role, url, bodies.get(rule.endpoint, {"data": {}})


def test_only_the_webhook_is_exempt(app):
    def exempt(endpoint: str) -> bool:
        view = app.view_functions[endpoint]
        blueprint = endpoint.rpartition(".")[0]
        return (
            f"{view.__module__}.{view.__name__}" in csrf._exempt_views
            or blueprint in csrf._exempt_blueprints
        )

    assert {rule.endpoint for rule in unsafe_rules(app) if exempt(rule.endpoint)} == EXEMPT


@pytest.mark.csrf
def test_every_unsafe_route_refuses_a_missing_token(app, world, stripe_api):
    # Something in the cart, so that update, remove and checkout have work to do.
    owner = world.clients["owner"]
    token = csrf_token_from(owner.get("/").get_data(as_text=True))
    owner.post("/cart/add", data={"product_id": world.product.id, "quantity": 1,
                                  "csrf_token": token})
    tried = set()
    for rule in unsafe_rules(app):
        if rule.endpoint in EXEMPT:
            continue
        role, url, body = honest_request(app, world, rule)
        client = world.clients[role]
        session_before = visible_session(client)
        before = state(stripe_api)
        for method in sorted(rule.methods & UNSAFE):
            response = client.open(url, method=method, **body)
            assert response.status_code == 400, (rule.endpoint, method, response.status_code)
        assert state(stripe_api) == before, f"{rule.endpoint} changed something without a token"
        assert visible_session(client) == session_before, rule.endpoint
        tried.add(rule.endpoint)
    assert "checkout.create_intent" in tried and "admin.refund_order" in tried


@pytest.mark.csrf
def test_the_same_requests_with_the_token_get_through(app, world):
    """The refusals above are about the token: with it, the same requests pass CSRF."""
    for rule in unsafe_rules(app):
        if rule.endpoint in EXEMPT or rule.endpoint == "auth.logout":
            continue
        role, url, body = honest_request(app, world, rule)
        client = world.clients[role]
        token = csrf_token_from(client.get("/").get_data(as_text=True))
        if "json" in body:
            response = client.post(url, headers={"X-CSRFToken": token}, **body)
        else:
            response = client.post(url, data={**body["data"], "csrf_token": token})
        assert b"form was tampered with" not in response.data, rule.endpoint
