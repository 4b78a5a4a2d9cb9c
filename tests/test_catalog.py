def test_catalog_lists_active_products_with_prices(client, make_product):
    make_product(name="Teapot", price_minor=2800)
    make_product(name="Hidden lamp", active=False)
    page = client.get("/").get_data(as_text=True)
    assert "Teapot" in page and "$28.00" in page
    assert "Hidden lamp" not in page


def test_catalog_is_paginated(app, client, make_product):
    app.config["PRODUCTS_PER_PAGE"] = 2
    for i in range(5):
        make_product(name=f"Item {i}")
    first = client.get("/").get_data(as_text=True)
    third = client.get("/?page=3").get_data(as_text=True)
    assert "Item 0" in first and "Item 1" in first and "Item 2" not in first
    assert "Item 4" in third and "Page 3 of 3" in third
    assert client.get("/?page=9").status_code == 404


def test_product_page_and_404s(client, make_product):
    product = make_product(name="Oak board", price_minor=4500)
    hidden = make_product(name="Retired", active=False)
    page = client.get(f"/products/{product.slug}")
    assert page.status_code == 200 and b"Oak board" in page.data and b"Add to cart" in page.data
    assert client.get(f"/products/{hidden.slug}").status_code == 404
    assert client.get("/products/no-such-thing").status_code == 404


def test_every_page_shows_the_sandbox_banner(client):
    assert b"offline Stripe sandbox" in client.get("/").data
