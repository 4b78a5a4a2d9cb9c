"""The session cookie is only sent when it changes, and a visitor's CSRF token is signed
once, yet every token a page carries still proves the form came from the shop."""

import pytest

from tests.conftest import csrf_token_from


def session_cookie_set(response) -> bool:
    return any(h.startswith("session=") for h in response.headers.getlist("Set-Cookie"))


def test_an_unmodified_session_is_not_sent_again(client, make_product):
    mug = make_product()
    assert session_cookie_set(client.get("/"))  # the visitor's CSRF token, made and signed
    added = client.post("/cart/add", data={"product_id": mug.id, "quantity": 1},
                        follow_redirects=True)  # the cart page shows (and drops) the message
    assert b"Added" in added.data
    for path in ("/", f"/products/{mug.slug}", "/cart/", "/"):
        response = client.get(path)
        assert response.status_code == 200
        assert not session_cookie_set(response), path
    with client.session_transaction() as session:
        assert session["cart"] == {str(mug.id): 1}


@pytest.mark.csrf
def test_pages_reuse_one_signed_token_and_it_works(client, make_product):
    mug = make_product()
    tokens = {csrf_token_from(client.get(path).get_data(as_text=True))
              for path in ("/", f"/products/{mug.slug}", "/")}
    assert len(tokens) == 1
    response = client.post(
        "/cart/add", data={"product_id": mug.id, "quantity": 1, "csrf_token": tokens.pop()}
    )
    assert response.status_code == 302


@pytest.mark.csrf
def test_each_visitor_has_their_own_token(app, make_product):
    mug = make_product()
    ann, bob = app.test_client(), app.test_client()
    ann_token = csrf_token_from(ann.get("/").get_data(as_text=True))
    bob_token = csrf_token_from(bob.get("/").get_data(as_text=True))
    assert ann_token != bob_token
    stolen = bob.post("/cart/add", data={"product_id": mug.id, "quantity": 1,
                                         "csrf_token": ann_token})
    assert stolen.status_code == 400


@pytest.mark.csrf
def test_a_replaced_token_is_signed_again(client, make_product):
    mug = make_product()
    old = csrf_token_from(client.get("/").get_data(as_text=True))
    with client.session_transaction() as session:
        session["csrf_token"] = "a-token-made-elsewhere"  # the signed copy no longer matches
    new = csrf_token_from(client.get("/").get_data(as_text=True))
    assert new != old
    data = {"product_id": mug.id, "quantity": 1}
    assert client.post("/cart/add", data={**data, "csrf_token": old}).status_code == 400
    assert client.post("/cart/add", data={**data, "csrf_token": new}).status_code == 302


@pytest.mark.csrf
def test_a_new_session_gets_a_new_token(client):
    old = csrf_token_from(client.get("/").get_data(as_text=True))
    client.delete_cookie("session")
    new = csrf_token_from(client.get("/").get_data(as_text=True))
    assert new != old
    assert client.post("/auth/logout", headers={"X-CSRFToken": old}).status_code == 400


@pytest.mark.csrf
def test_a_new_secret_key_signs_tokens_again(app, client, make_product):
    mug = make_product()
    old = csrf_token_from(client.get("/").get_data(as_text=True))
    app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]  # sessions signed before still open
    app.secret_key = "a-new-secret"
    new = csrf_token_from(client.get("/").get_data(as_text=True))
    assert new != old
    data = {"product_id": mug.id, "quantity": 1}
    assert client.post("/cart/add", data={**data, "csrf_token": new}).status_code == 302


@pytest.mark.csrf
@pytest.mark.parametrize("app_config", [{"WTF_CSRF_TIME_LIMIT": 3600}])
def test_tokens_with_a_time_limit_are_signed_for_every_page(app, client):
    # A signature carries its time: a remembered one would expire while the visitor browses.
    assert csrf_token_from(client.get("/").get_data(as_text=True))
    assert not app.extensions.get("csrf_signatures")


def test_a_session_from_before_sign_out_everywhere_ends_with_the_next_sign_out(
    app, client, auth, make_user
):
    ann = make_user(email="ann@example.com", password="anns-password")
    # A session cookie an older shop issued: it names the user alone, with no epoch.
    with client.session_transaction() as session:
        session["_user_id"] = str(ann.id)
    assert client.get("/account/orders").status_code == 200

    with app.test_client() as laptop:  # Ann signs out from another browser
        laptop.post("/auth/login", data={"email": "ann@example.com",
                                         "password": "anns-password"})
        laptop.post("/auth/logout")

    assert client.get("/account/orders").status_code == 302  # sent to log in
