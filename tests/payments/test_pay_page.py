"""The pay and status pages read the order in one statement, outside a transaction,
write nothing and ask Stripe nothing; paying still works from them."""

import re

import pytest

from shop.database import READS
from shop.extensions import db
from shop.models import Product
from shop.web.readonly import WriteInReadOnlyView, reads_only
from tests.db_support import checkouts, statements
from tests.payments.test_stock_and_expiry import expire_now
from tests.payments_support import reload


def test_pay_and_status_pages_only_read_and_the_pay_page_reads_in_one_statement(
    shopper, make_product
):
    order = shopper.checkout((make_product(name="Teapot", price_minor=2800), 2),
                             (make_product(name="Cup", price_minor=900), 1))
    # The order page of an unpaid order also reads its latest payment, to say why.
    for path, reads in ((f"/orders/{order.number}/pay", 1), (f"/orders/{order.number}", 2)):
        with statements() as seen, checkouts() as writer_connections:
            page = shopper.client.get(path).get_data(as_text=True)
        assert len(seen) == reads and "JOIN order_line" in seen[0], seen
        assert writer_connections == []  # the pool that opens transactions was not touched
        assert re.search(r"Teapot</th><td>2</td><td><span class=\"money\">\$28\.00", page)
        assert "Cup</th><td>1</td>" in page and "$65.00" in page


def test_pages_render_without_asking_stripe(shopper, make_product, sandbox):
    order = shopper.checkout((make_product(price_minor=2800), 1))
    sandbox.control.fault("/v1/", mode="error", count=100)  # any call to Stripe would fail
    try:
        assert shopper.client.get(f"/orders/{order.number}/pay").status_code == 200
        assert shopper.client.get(f"/orders/{order.number}").status_code == 200
    finally:
        sandbox.control.clear_faults()
    response, error, _ = shopper.pay(order)  # and the page's order is paid as ever
    assert error is None and response.get_json()["status"] == "paid"
    assert reload(order).status == "paid"


def test_a_paid_order_pay_page_sends_the_customer_to_the_status_page(shopper, make_product):
    order = shopper.checkout((make_product(price_minor=2800), 1))
    shopper.pay(order)
    response = shopper.client.get(f"/orders/{order.number}/pay")
    assert response.status_code == 302 and response.headers["Location"].endswith(order.number)


def test_the_pay_page_says_the_items_are_held_then_that_the_hold_ran_out(
    shopper, make_product
):
    order = shopper.checkout((make_product(price_minor=2800), 1))
    page = shopper.client.get(f"/orders/{order.number}/pay").get_data(as_text=True)
    assert "Your items are held until" in page and "were held" not in page

    expire_now(order)  # past its hold, before expiry has cancelled it
    page = shopper.client.get(f"/orders/{order.number}/pay").get_data(as_text=True)
    assert "Your items were held until" in page
    assert "pay now, before they are released to other customers" in page
    assert "Your items are held until" not in page


def test_the_pay_page_and_the_client_secret_are_never_stored_by_caches(shopper, make_product):
    order = shopper.checkout((make_product(price_minor=2800), 1))
    page = shopper.client.get(f"/orders/{order.number}/pay")
    intent = shopper.start(order)
    assert intent.get_json()["client_secret"]
    for response in (page, intent):
        assert response.headers["Cache-Control"] == "no-store"


def test_a_read_only_view_may_not_write(app, client, make_product):
    mug = make_product(name="Mug", stock=5)

    @app.get("/test-writes")
    @reads_only
    def writes():
        db.session.get(Product, mug.id).stock = 0
        db.session.flush()
        return "written"

    with pytest.raises(WriteInReadOnlyView):
        client.get("/test-writes")
    assert reload_stock(mug) == 5


def reload_stock(product: Product) -> int:
    db.session.expire_all()
    return db.session.get(Product, product.id).stock


def test_a_signed_in_customers_pay_page_reads_outside_a_transaction_too(
    shopper, make_user, auth, make_product
):
    user = make_user(email="reader@example.com", password="reader-pass")
    auth.login("reader@example.com", "reader-pass")
    order = shopper.checkout((make_product(name="Kettle", price_minor=3900), 1), email=user.email)
    with statements() as seen, checkouts() as writer_connections:
        page = shopper.client.get(f"/orders/{order.number}/pay").get_data(as_text=True)
    assert "Kettle" in page and "Log out" in page
    # The order and the customer, each one statement on the pool that is in autocommit
    # (a customer with no Stripe customer yet has no saved cards to look up).
    order_read, user_read = seen
    assert "JOIN order_line" in order_read and "WHERE user.id" in user_read.replace('"', "")
    assert writer_connections == []


def test_the_reading_pool_never_holds_a_transaction(app):
    with db.engines[READS].connect() as connection:
        dbapi = connection.connection.dbapi_connection
        if db.engine.dialect.name == "postgresql":
            assert dbapi.autocommit is True
        else:
            assert dbapi.isolation_level is None  # sqlite3 in autocommit
