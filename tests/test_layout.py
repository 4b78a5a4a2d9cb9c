"""The layout's links, built once per mount point, follow where the shop is mounted."""


def test_layout_links_follow_the_mount_point(client, make_product):
    product = make_product()
    for _ in range(2):  # the second time, remembered links are used
        at_root = client.get("/").get_data(as_text=True)
        mounted = client.get("/", base_url="http://localhost/shop").get_data(as_text=True)
        assert 'href="/static/css/shop.css"' in at_root and 'href="/cart/"' in at_root
        assert 'href="/shop/static/css/shop.css"' in mounted and 'href="/shop/cart/"' in mounted
        assert 'href="/static/' not in mounted
        assert f'href="/shop/products/{product.slug}"' in mounted


def title_of(page) -> str:
    return page.get_data(as_text=True).split("<title>")[1].split("</title>")[0]


def test_a_refused_form_or_action_says_error_in_the_page_title(client, auth, make_user,
                                                               make_product):
    make_user(email="ann@example.com", password="right-password")
    assert title_of(client.get("/auth/login")) == "Log in · Corner Shop"

    refused_form = auth.login("ann@example.com", "wrong-password")
    assert title_of(refused_form) == "Error: Log in · Corner Shop"

    mug = make_product(name="Mug", stock=1)
    client.post("/cart/add", data={"product_id": mug.id, "quantity": 1})
    refused_quantity = client.post("/cart/add", data={"product_id": mug.id, "quantity": 1})
    assert title_of(refused_quantity) == "Error: Mug · Corner Shop"  # none left

    sold_out = make_product(stock=0)
    client.post("/cart/add", data={"product_id": sold_out.id, "quantity": 1})
    refused_action = client.get("/cart/")  # where the message is shown
    assert title_of(refused_action).startswith("Error: ")
    assert not title_of(client.get("/cart/")).startswith("Error")  # once the message is read


def test_a_checkout_refused_on_the_cart_page_says_error_in_the_title(client, make_product):
    mug = make_product()
    client.post("/cart/add", data={"product_id": mug.id, "quantity": 1})
    assert title_of(client.get("/cart/")) == "Cart · Corner Shop"
    refused = client.post("/checkout", data={"email": "not-an-email"})
    assert refused.status_code == 400
    assert title_of(refused) == "Error: Cart · Corner Shop"


def test_a_failure_on_our_side_says_nothing_was_lost_and_to_try_again(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/fails")
    def fails():
        raise RuntimeError("a bug")

    page = client.get("/fails")
    assert page.status_code == 500
    html = page.get_data(as_text=True)
    assert "Nothing was lost. Please try again in a moment." in html
    assert "charged" not in html  # it was never about money
