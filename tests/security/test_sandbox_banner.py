"""While payments run against the offline sandbox, every page a visitor reaches says so."""

import pytest

from tests.security.world import PAGES_FOR, visit_get_routes

BANNER = "Payments run against the offline Stripe sandbox"


@pytest.mark.parametrize("role", ["anonymous", "guest", "owner", "admin"])
def test_every_page_shows_the_sandbox_banner(app, world, role):
    opened = set()
    for rule, url, response in visit_get_routes(app, world, role, follow_redirects=True):
        if response.mimetype != "text/html":
            continue  # a stylesheet, the orders CSV
        # Refusals included: a login page or a 404 is a page of the shop too.
        assert BANNER in response.get_data(as_text=True), (url, response.status_code)
        if response.status_code == 200 and response.request.path == url:
            opened.add(rule.endpoint)
    assert opened >= PAGES_FOR[role]
