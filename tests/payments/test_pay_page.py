"""The pay and status pages read the order in one statement, outside a transaction,
write nothing and ask Stripe nothing; paying still works from them."""

import contextlib
import re

import pytest
from sqlalchemy import event

from shop.extensions import db
from shop.models import Product
from shop.web.readonly import WriteInReadOnlyView, reads_only
from tests.payments_support import reload


@contextlib.contextmanager
def statements():
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_pay_and_status_pages_read_the_order_and_its_lines_in_one_statement(
    shopper, make_product
):
    order = shopper.checkout((make_product(name="Teapot", price_minor=2800), 2),
                             (make_product(name="Cup", price_minor=900), 1))
    for path in (f"/orders/{order.number}/pay", f"/orders/{order.number}"):
        with statements() as seen:
            page = shopper.client.get(path).get_data(as_text=True)
        assert len(seen) == 1 and "JOIN order_line" in seen[0], seen
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
