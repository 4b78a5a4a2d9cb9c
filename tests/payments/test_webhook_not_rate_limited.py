"""Stripe's deliveries are never rate limited (DESIGN.md §6): a refused one would only
come back later, and a burst of them is Stripe catching up, not an attack."""

import pytest

from shop.extensions import db
from shop.models import StripeEvent


@pytest.fixture
def app_config(stripe_config):
    # Settings that add an app-wide limit to every page (shop/web/limits.py).
    return {**stripe_config, "RATELIMIT_ENABLED": True, "RATELIMIT_DEFAULT": "2/minute"}


def test_every_delivery_is_taken_with_app_wide_limits_on(client, sandbox, stripe_api,
                                                         webhooks_on):
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 429]  # limits on

    for n in range(10):  # ten events, from the one address Stripe sends from here
        stripe_api.v1.customers.create({"email": f"c{n}@example.com"})
    sandbox.control.wait_for_deliveries()

    deliveries = sandbox.control.deliveries()
    assert len(deliveries) == 10
    assert [[a["status_code"] for a in d["attempts"]] for d in deliveries] == [[200]] * 10
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count()).select_from(StripeEvent)
                              ).scalar_one() == 10
