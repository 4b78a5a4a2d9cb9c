import pytest

from tests.conftest import csrf_token_from


@pytest.mark.csrf
def test_post_without_token_is_refused_and_changes_nothing(client, make_product):
    mug = make_product()
    response = client.post("/cart/add", data={"product_id": mug.id, "quantity": 1})
    assert response.status_code == 400
    assert b"Please try again" in response.data
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
