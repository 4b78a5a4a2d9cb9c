"""Who may touch what: every route naming an order, card, refund or event, tried by everyone.

The routes come from `app.url_map`; a new route with such an argument and no row here
fails `test_every_owned_route_has_a_row`. Strangers get 404 (never 403, so numbers
cannot be probed), the account and admin areas send anonymous visitors to log in, and
a refused request changes nothing in the database or at Stripe.
"""

import pytest

from shop.checkout import access
from tests.security.world import World, state

# Route arguments that name something somebody owns.
OWNED_ARGS = {"number", "card_id", "event_id", "refund_id", "dispute_id", "token", "intent_id"}
LOGIN = "login"  # a redirect to the log-in page
# Strangers are tried first, so a refused request is checked against untouched state.
ROLES = ("customer", "guest", "other_guest", "owner", "admin")

ORDER_ONLY = {"customer": 404, "guest": 404, "other_guest": 404, "admin": 404}
ADMIN_ONLY = {"owner": 404, "customer": 404, "guest": LOGIN, "other_guest": LOGIN}
ACCOUNT = {"customer": 404, "guest": LOGIN, "other_guest": LOGIN, "admin": 404}


def both_orders(owner_status, guest_owner_status=None) -> dict:
    guest_owner = owner_status if guest_owner_status is None else guest_owner_status
    return {
        "user_order": {**ORDER_ONLY, "owner": owner_status},
        "guest_order": {**ORDER_ONLY, "owner": guest_owner},
    }


# endpoint -> {resource: {role: expected status}}
MATRIX = {
    "checkout.status": both_orders(200),
    "checkout.pay": both_orders(200),
    "checkout.payment_return": both_orders(302),
    "checkout.create_intent": both_orders(200),
    "checkout.confirm": both_orders(200),
    "checkout.pay_with_saved_card": both_orders(200, 404),  # guests have no saved cards
    # The token is signed for another order: a link never opens an order it was not made for.
    "checkout.signed_access": {"user_order": {**ORDER_ONLY, "owner": 404},
                               "guest_order": {**ORDER_ONLY, "owner": 404}},
    "account.my_order": {"user_order": {**ACCOUNT, "owner": 200}},
    "account.make_default": {"card": {**ACCOUNT, "owner": 302}},
    "account.remove_card": {"card": {**ACCOUNT, "owner": 302}},
    "admin.order_detail": {"user_order": {**ADMIN_ONLY, "admin": 200}},
    "admin.refund_order": {"user_order": {**ADMIN_ONLY, "admin": 400}},  # empty form
    "admin.cancel_order": {"user_order": {**ADMIN_ONLY, "admin": 302}},
    "admin.sync_order": {"user_order": {**ADMIN_ONLY, "admin": 302}},
    # The order has no such refund: the admin, let in, finds none.
    "admin.settle_refund_elsewhere": {"user_order": {**ADMIN_ONLY, "admin": 404}},
    "admin.event_detail": {"event": {**ADMIN_ONLY, "admin": 200}},
    "admin.reprocess_event": {"event": {**ADMIN_ONLY, "admin": 302}},
}
JSON_ENDPOINTS = {"checkout.create_intent", "checkout.confirm", "checkout.pay_with_saved_card"}


def owned_rules(app) -> dict:
    return {
        rule.endpoint: rule
        for rule in app.url_map.iter_rules()
        if set(rule.arguments) & OWNED_ARGS
    }


def clients_for(world: World, resource: str) -> dict:
    """Each role's client; for a guest's order the owner is that guest's session."""
    c = world.clients
    if resource == "guest_order":
        return {"owner": c["guest"], "customer": c["customer"], "guest": c["other_guest"],
                "other_guest": c["anonymous"], "admin": c["admin"]}
    return {"owner": c["owner"], "customer": c["customer"], "guest": c["guest"],
            "other_guest": c["anonymous"], "admin": c["admin"]}


def sample_request(app, world: World, endpoint: str, resource: str) -> tuple[str, dict]:
    """The URL (built from the rule) and body an honest page would send."""
    order = world.guest_order if resource == "guest_order" else world.user_order
    values = {
        "number": order.number,
        "card_id": world.card.id,
        "event_id": world.event_id,
        "token": access.access_token(world.other_guest_order),
        "stripe_refund_id": "re_none",
    }
    rule = owned_rules(app)[endpoint]
    url = app.url_map.bind("localhost").build(
        endpoint, {k: v for k, v in values.items() if k in rule.arguments}
    )
    if endpoint == "checkout.confirm":
        return url, {"json": {"payment_intent": world.intents[order.number]}}
    if endpoint == "checkout.pay_with_saved_card":
        return url, {"json": {"card_id": world.card.id, "attempt": "access-matrix-0123456789"}}
    return url, {"json": {}} if endpoint in JSON_ENDPOINTS else {"data": {}}


def send(client, rule, url: str, body: dict):
    method = "post" if "POST" in rule.methods else "get"
    return getattr(client, method)(url, **(body if method == "post" else {}))


def test_every_owned_route_has_a_row(app):
    assert set(owned_rules(app)) == set(MATRIX)


CASES = [
    pytest.param(endpoint, resource, id=f"{endpoint}-{resource}")
    for endpoint, rows in MATRIX.items()
    for resource in rows
]


@pytest.mark.parametrize(("endpoint", "resource"), CASES)
def test_access(app, world, stripe_api, endpoint, resource):
    rule = owned_rules(app)[endpoint]
    url, body = sample_request(app, world, endpoint, resource)
    clients = clients_for(world, resource)
    expected = MATRIX[endpoint][resource]
    for role in ROLES:
        before = state(stripe_api)
        response = send(clients[role], rule, url, body)
        want = expected[role]
        if want == LOGIN:
            assert response.status_code == 302, (role, response.status_code)
            assert "/auth/login" in response.headers["Location"], role
        else:
            assert response.status_code == want, (role, response.status_code)
        if want in (404, LOGIN):
            assert state(stripe_api) == before, f"{role} was refused but something changed"
