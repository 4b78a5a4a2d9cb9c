"""The catalog's pages: by name, only active products counted, links only where a page is."""

def test_the_catalog_lists_products_by_name_whatever_order_they_were_added_in(
    app, client, make_product
):
    app.config["PRODUCTS_PER_PAGE"] = 2
    for name in ("Teapot", "Apron", "Mug"):
        make_product(name=name)
    first = client.get("/").get_data(as_text=True)
    assert "Apron" in first and "Mug" in first and "Teapot" not in first
    assert first.index("Apron") < first.index("Mug")
    assert "Teapot" in client.get("/?page=2").get_data(as_text=True)


def test_the_first_page_has_no_previous_link_and_the_last_no_next(app, client, make_product):
    app.config["PRODUCTS_PER_PAGE"] = 2
    for i in range(5):
        make_product(name=f"Item {i}")
    first = client.get("/").get_data(as_text=True)
    assert 'rel="next">Next' in first and 'rel="prev"' not in first
    last = client.get("/?page=3").get_data(as_text=True)
    assert 'rel="prev">Previous' in last and 'rel="next"' not in last


def test_retired_products_do_not_make_pages(app, client, make_product):
    app.config["PRODUCTS_PER_PAGE"] = 2
    make_product(name="Mug")
    make_product(name="Cup")
    for i in range(3):
        make_product(name=f"Retired {i}", active=False)
    page = client.get("/").get_data(as_text=True)
    assert "Page 1 of" not in page and 'rel="next"' not in page
    assert client.get("/?page=2").status_code == 404


def test_a_page_number_below_one_is_the_first_page(app, client, make_product):
    app.config["PRODUCTS_PER_PAGE"] = 2
    for i in range(5):
        make_product(name=f"Item {i}")
    for page in ("0", "-3"):
        shown = client.get(f"/?page={page}")
        assert shown.status_code == 200
        html = shown.get_data(as_text=True)
        assert "Page 1 of 3" in html and "Item 0" in html and 'rel="prev"' not in html


def test_the_second_page_of_a_one_page_catalog_is_not_found(client, make_product):
    make_product(name="Mug")
    assert client.get("/?page=2").status_code == 404


def test_looking_up_many_unknown_products_keeps_the_catalog_cache_small(app, client):
    for n in range(1100):
        assert client.get(f"/products/no-such-{n}").status_code == 404
    assert len(app.extensions["catalog_cache"]) <= 1001
