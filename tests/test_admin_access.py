def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=/admin/")


def test_customers_get_404(client, auth, make_user):
    make_user(email="c@example.com", password="password123")
    auth.login("c@example.com", "password123")
    assert client.get("/admin/").status_code == 404


def test_admins_get_in(client, auth, make_user):
    make_user(email="boss@example.com", password="password123", is_admin=True)
    auth.login("boss@example.com", "password123")
    page = client.get("/admin/")
    assert page.status_code == 200 and b"Admin" in page.data
