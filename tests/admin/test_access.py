"""Every admin URL refuses guests (login redirect) and customers (404), whatever its method."""

import pytest

from tests.admin.conftest import CUSTOMER


def admin_requests(app) -> list[tuple[str, str]]:
    """(method, url) for every rule under /admin, with placeholder arguments."""
    requests = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<{argument}>", "X").replace(f"<int:{argument}>", "1")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            requests.append((method, url))
    return requests


def test_the_admin_area_has_its_pages(app):
    urls = {url for _, url in admin_requests(app)}
    assert {"/admin/", "/admin/orders", "/admin/orders.csv", "/admin/orders/X",
            "/admin/orders/X/refund", "/admin/orders/X/cancel", "/admin/orders/X/sync",
            "/admin/orders/X/refunds/X/settled",
            "/admin/events", "/admin/events/X", "/admin/events/X/reprocess"} <= urls


def test_guests_are_sent_to_log_in_everywhere(app, client):
    for method, url in admin_requests(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        # ...and back to the page they asked for once logged in.
        assert response.headers["Location"] == f"/auth/login?next={url}", (method, url)


def test_customers_get_404_everywhere(app, client, auth, make_user, make_order):
    make_user(email=CUSTOMER[0], password=CUSTOMER[1])
    order = make_order(email=CUSTOMER[0], payment={})
    auth.login(*CUSTOMER)
    for method, url in admin_requests(app):
        response = client.open(url.replace("/X", f"/{order.number}"), method=method)
        assert response.status_code == 404, (method, url)
    assert order.status == "paid"


def test_admins_get_in(admin_client, make_order):
    order = make_order()
    for url in ("/admin/", "/admin/orders", "/admin/orders.csv", "/admin/events",
                f"/admin/orders/{order.number}"):
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.csrf
def test_admin_posts_need_the_csrf_token(app, admin_client, make_order):
    order = make_order(status="pending", payment={"status": "requires_payment_method"})
    for method, url in admin_requests(app):
        if method == "POST":
            response = admin_client.post(url.replace("/X", f"/{order.number}"))
            assert response.status_code == 400, url
