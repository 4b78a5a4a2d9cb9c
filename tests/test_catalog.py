import re

import pytest
from jinja2 import UndefinedError

from shop.extensions import db
from shop.services import catalog
from shop.web import fragments
from tests.conftest import csrf_token_from
from tests.db_support import checkouts, statements


def test_catalog_lists_active_products_with_prices(client, make_product):
    make_product(name="Teapot", price_minor=2800)
    make_product(name="Hidden lamp", active=False)
    page = client.get("/").get_data(as_text=True)
    assert "Teapot" in page and "$28.00" in page
    assert "Hidden lamp" not in page


def test_an_empty_catalog_tells_customers_so_without_shop_commands(client):
    page = client.get("/").get_data(as_text=True)
    assert "No products yet." in page
    assert "flask seed" not in page


def test_catalog_is_paginated(app, client, make_product):
    app.config["PRODUCTS_PER_PAGE"] = 2
    for i in range(5):
        make_product(name=f"Item {i}")
    first = client.get("/").get_data(as_text=True)
    third = client.get("/?page=3").get_data(as_text=True)
    assert "Item 0" in first and "Item 1" in first and "Item 2" not in first
    assert "Item 4" in third and "Page 3 of 3" in third
    # Each page has its own title, as a tab or a screen reader's page list shows it.
    assert "<title>Shop · " in first and "<title>Shop, page 3 · " in third
    assert client.get("/?page=9").status_code == 404


def test_product_page_and_404s(client, make_product):
    product = make_product(name="Oak board", price_minor=4500)
    hidden = make_product(name="Retired", active=False)
    page = client.get(f"/products/{product.slug}")
    assert page.status_code == 200 and b"Oak board" in page.data and b"Add to cart" in page.data
    assert client.get(f"/products/{hidden.slug}").status_code == 404
    assert client.get("/products/no-such-thing").status_code == 404


def test_catalog_pages_change_when_the_catalog_cache_reloads(app, client, make_product,
                                                             monkeypatch):
    product = make_product(name="Teapot", price_minor=2800, stock=5)
    now = [1000.0]
    monkeypatch.setattr(catalog.time, "monotonic", lambda: now[0])
    pages = ("/", f"/products/{product.slug}")
    assert all("$28.00" in client.get(page).get_data(as_text=True) for page in pages)

    product.price_minor, product.stock = 3100, 1
    db.session.commit()
    # Within CATALOG_CACHE_SECONDS each server may show what it read before...
    assert all("$28.00" in client.get(page).get_data(as_text=True) for page in pages)
    now[0] += app.config["CATALOG_CACHE_SECONDS"] + 1
    # ...and after it, what the database says, on every page that shows the product.
    listing, detail = (client.get(page).get_data(as_text=True) for page in pages)
    assert "$31.00" in listing and "Only 1 left" in listing and "$28.00" not in listing
    assert "$31.00" in detail and "1 in stock" in detail and 'max="1"' in detail


@pytest.mark.csrf
def test_shared_catalog_html_keeps_each_visitors_own_parts(app, make_product):
    mug = make_product(name="Mug")
    pages = ("/", f"/products/{mug.slug}")
    ann, bob = app.test_client(), app.test_client()
    token = csrf_token_from(ann.get(pages[1]).get_data(as_text=True))
    ann.post("/cart/add", data={"product_id": mug.id, "quantity": 2, "csrf_token": token})
    # Ann did not follow the redirect: her next page shows the message, nobody else's does.
    assert "Added Mug to your cart." in ann.get("/").get_data(as_text=True)
    assert "Added Mug" not in bob.get("/").get_data(as_text=True)
    for path in pages:
        assert "(2 items)</span></a>" in ann.get(path).get_data(as_text=True)
        assert "(0 items)</span></a>" in bob.get(path).get_data(as_text=True)
    # The product form carries each visitor's own token, and each one works.
    tokens = set()
    for visitor in (ann, bob):
        page = visitor.get(pages[1]).get_data(as_text=True)
        (form_token,) = re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert form_token == csrf_token_from(page)
        tokens.add(form_token)
        response = visitor.post("/cart/add", data={
            "product_id": mug.id, "quantity": 1, "csrf_token": form_token})
        assert response.status_code == 302
    assert len(tokens) == 2


def test_shared_fragments_refuse_personal_values(app, make_product):
    card = catalog.find_product(make_product().slug)
    for personal in ("current_user.email", "session.cart", "cart_count", "csp_nonce"):
        template = app.jinja_env.from_string("{{ " + personal + " }}")
        with app.test_request_context("/"), pytest.raises(UndefinedError):
            fragments.render_once(card, template, lambda: {})


def test_form_fields_name_their_autofill_only_when_they_have_one(client, make_product):
    product = make_product(name="Teapot", stock=3)
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert 'name="quantity"' in page and "autocomplete=" not in page
    login = client.get("/auth/login").get_data(as_text=True)
    assert 'autocomplete="email"' in login and 'autocomplete="current-password"' in login


def test_a_signed_in_customer_browses_without_a_transaction(client, auth, make_user,
                                                             make_product):
    make_user(email="browser@example.com", password="browser-pass")
    mug = make_product(name="Mug")
    auth.login("browser@example.com", "browser-pass")
    paths = ("/", f"/products/{mug.slug}")
    for path in paths:
        client.get(path)  # the catalog cache is filled; from here on, pages only load the user
    for path in paths:
        with statements() as seen, checkouts() as writer_connections:
            page = client.get(path)
        assert page.status_code == 200 and b"Log out" in page.data
        # One statement each, the customer's, on the pool in autocommit: no BEGIN
        # and ROLLBACK around it, and the pool that writes is not touched.
        [user_read] = seen
        assert "WHERE user.id" in user_read.replace('"', "")
        assert writer_connections == []
