import pytest

from tests.payments_support import Shopper
from tests.security.world import World, build_world


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


@pytest.fixture
def world(app, make_user, make_product, browser_stripe) -> World:
    """Alice, Bob, two guests, a bystander and an admin, with orders, a card and an event.

    Built with CSRF off (through the shop's own pages); tests marked `csrf` get it back on.
    """
    csrf = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = False
    built = build_world(app, make_user, make_product, browser_stripe)
    app.config["WTF_CSRF_ENABLED"] = csrf
    return built


@pytest.fixture
def paid_world(world, browser_stripe) -> World:
    """The world, with Alice's order paid (so that an admin can refund it)."""
    response, error, _ = Shopper(world.clients["owner"], browser_stripe).pay(world.user_order)
    assert error is None and response.get_json()["status"] == "paid"
    return world
