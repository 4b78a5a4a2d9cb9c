import pytest

from tests.conftest import csrf_token_from


@pytest.mark.csrf
def test_post_without_token_is_refused_and_changes_nothing(client, make_product):
    mug = make_product()
    response = client.post("/cart/add", data={"product_id": mug.id, "quantity": 1})
    assert response.status_code == 400
    assert b"Reload the page and try again" in response.data
    with client.session_transaction() as session:
        assert not session.get("cart")


@pytest.mark.csrf
def test_post_with_the_pages_token_works(client, make_product):
    mug = make_product()
    token = csrf_token_from(client.get(f"/products/{mug.slug}").get_data(as_text=True))
    response = client.post(
        "/cart/add", data={"product_id": mug.id, "quantity": 1, "csrf_token": token}
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["cart"] == {str(mug.id): 1}


@pytest.mark.csrf
def test_json_post_accepts_the_header_token(client, make_product):
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post("/auth/logout", headers={"X-CSRFToken": token})
    assert response.status_code in (302, 401)  # passes CSRF; not signed in


@pytest.mark.csrf
def test_a_form_from_before_signing_out_elsewhere_says_to_reload(client, auth, make_user,
                                                                 make_product):
    mug = make_product()
    make_user(email="customer@example.com", password="customer-pass")
    auth.login()
    page = client.get(f"/products/{mug.slug}")  # this tab keeps the signed-in page's form
    token = csrf_token_from(page.get_data(as_text=True))
    auth.logout()  # signed out in another tab: a new session, a new token

    response = client.post(
        "/cart/add", data={"product_id": mug.id, "quantity": 1, "csrf_token": token},
        headers={"Referer": f"http://localhost/products/{mug.slug}"},
    )

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "perhaps because you logged in or out in another tab" in html  # as the menu says
    assert "Reload the page and try again" in html
    assert f'href="/products/{mug.slug}"' in html  # back to the page to reload
    with client.session_transaction() as session:
        assert not session.get("cart")


@pytest.mark.csrf
@pytest.mark.parametrize("referer", [
    "https://evil.example/products",
    "http://localhost//evil.example/phish",  # this host, but "//evil.example" goes off-site
    "http://localhost/\\evil.example/phish",
    "javascript://localhost/%0aalert(1)",
])
def test_the_expired_page_links_back_only_to_this_site(client, make_product, referer):
    mug = make_product()
    response = client.post("/cart/add", data={"product_id": mug.id, "quantity": 1},
                           headers={"Referer": referer})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Reload the page and try again" in html
    assert "evil.example" not in html and "Back to the page" not in html


def test_signing_in_gives_the_visitor_a_new_token(app, client, make_user, make_product):
    # A token known before signing in (planted with the cookie, or read off a page by
    # someone else) must not work for the account.
    app.config["WTF_CSRF_ENABLED"] = True
    make_user(email="ann@example.com", password="anns-password")
    mug = make_product()
    before = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"email": "ann@example.com", "password": "anns-password",
                                     "csrf_token": before})
    assert b"Log out" in client.get("/").data

    old = client.post("/cart/add", data={"product_id": mug.id, "quantity": 1,
                                          "csrf_token": before})
    new = csrf_token_from(client.get("/").get_data(as_text=True))
    fresh = client.post("/cart/add", data={"product_id": mug.id, "quantity": 1,
                                            "csrf_token": new})

    assert old.status_code == 400 and fresh.status_code == 302
