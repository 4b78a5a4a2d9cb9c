"""Lost webhooks, a shop that died at the worst moment, a database that dropped everyone."""

import threading
import time

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from shop.extensions import db
from shop.models import OrderEvent, OrderLine, Product
from tests.conftest import POSTGRES_URL
from tests.payments_support import reload, settle_webhooks


def paid_entries(order) -> int:
    return db.session.execute(
        db.select(db.func.count(OrderEvent.id)).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == "status_paid"
        )
    ).scalar_one()


def paid_at_stripe_only(shopper, order) -> str:
    """Stripe takes the money; the shop never hears from the page (tab closed, shop down)."""
    intent = shopper.start(order).get_json()
    confirmed, error = shopper.confirm_at_stripe(intent, "pm_card_visa")
    assert error is None and confirmed["status"] == "succeeded"
    return intent["intent_id"]


def test_dropped_webhooks_then_reconcile_recovers_every_order(
    shopper, make_product, sandbox, webhooks_on, runner
):
    sandbox.control.webhook_behaviour(drop=1000)
    product = make_product(price_minor=1800, stock=20)
    orders = [shopper.checkout((product, 1), email=f"b{n}@example.com") for n in range(4)]
    for order in orders:
        paid_at_stripe_only(shopper, order)
    settle_webhooks(sandbox)
    assert all(d["dropped"] for d in sandbox.control.deliveries())
    assert {reload(o).status for o in orders} == {"pending"}

    result = runner.invoke(args=["stripe", "reconcile", "--since", "1d"])
    assert result.exit_code == 0, result.output
    for order in orders:
        assert f"{order.number}: pending → paid" in result.output
        assert reload(order).status == "paid" and paid_entries(order) == 1
    again = runner.invoke(args=["stripe", "reconcile", "--since", "1d"])
    assert again.output.strip().endswith("0 change(s).")
    assert db.session.get(Product, product.id).stock == 16


def test_shop_down_after_stripe_succeeded_the_webhook_pays_once(
    shopper, make_product, sandbox, webhooks_on, runner
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent_id = paid_at_stripe_only(shopper, order)  # the confirm call never arrives
    settle_webhooks(sandbox)
    assert reload(order).status == "paid" and paid_entries(order) == 1
    # Reconcile afterwards, and the page's confirm arriving very late, change nothing.
    assert runner.invoke(args=["stripe", "reconcile"]).output.strip().endswith("0 change(s).")
    assert shopper.report(order, intent_id).get_json()["status"] == "paid"
    assert paid_entries(reload(order)) == 1


def test_shop_down_and_webhooks_lost_reconcile_pays_once_then_late_webhooks_are_harmless(
    shopper, make_product, sandbox, stripe_api, runner, client
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent_id = paid_at_stripe_only(shopper, order)
    runner.invoke(args=["stripe", "reconcile"])
    assert reload(order).status == "paid" and paid_entries(order) == 1
    # Stripe's deliveries turn up after all (the shop was only unreachable for a while).
    from tests.payments.test_webhooks import deliver

    events = stripe_api.v1.events.list(params={"type": "payment_intent.succeeded"})["data"]
    (event,) = [e for e in events if e["data"]["object"]["id"] == intent_id]
    assert deliver(client, event.to_dict()).status_code == 200
    assert deliver(client, event.to_dict()).status_code == 200
    assert paid_entries(reload(order)) == 1


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")
def test_requests_succeed_after_postgres_drops_every_connection(
    app, live_shop, make_product
):
    product_id = make_product(price_minor=1200, stock=500).id
    db.session.close()  # the test holds no connection: only the server's are dropped
    url = live_shop.url
    stop = threading.Event()
    outcomes: list[tuple[float, int]] = []

    def traffic():
        with requests.Session() as browser:
            while not stop.is_set():
                browser.post(f"{url}/cart/add", data={"product_id": product_id, "quantity": 1})
                response = browser.post(f"{url}/checkout", data={"email": "pg@example.com"},
                                        allow_redirects=False)
                outcomes.append((time.monotonic(), response.status_code))

    workers = [threading.Thread(target=traffic) for _ in range(4)]
    for worker in workers:
        worker.start()
    time.sleep(1.0)
    killer = create_engine(POSTGRES_URL)
    with killer.begin() as conn:
        killed = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )).scalar_one()
    killer.dispose()
    after = time.monotonic()
    time.sleep(1.5)
    stop.set()
    for worker in workers:
        worker.join(timeout=10)

    assert killed >= 1
    later = [status for at, status in outcomes if at > after + 0.5]
    assert later and set(later) == {302}, later  # every checkout after the restart worked
    # Nothing half-done survived: stock taken is exactly what the placed orders hold.
    placed = db.session.execute(db.select(db.func.sum(OrderLine.quantity))).scalar_one()
    assert db.session.get(Product, product_id).stock == 500 - placed


def _pooled_backend_then_drop_it() -> None:
    """Leave the pool holding one idle connection, and have PostgreSQL close it."""
    db.session.close()
    db.engine.dispose()
    with db.engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    killer = create_engine(POSTGRES_URL)
    with killer.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")
@pytest.mark.parametrize("app_config", [{"DATABASE_PING_IDLE_SECONDS": 0}])
def test_an_idle_connection_the_database_dropped_is_replaced_unseen(app, make_product):
    product_id = make_product(price_minor=1200, stock=5).id
    _pooled_backend_then_drop_it()
    response = app.test_client().post("/cart/add", data={"product_id": product_id, "quantity": 1})
    assert response.status_code == 302


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")
@pytest.mark.parametrize("app_config", [{"DATABASE_PING_IDLE_SECONDS": 3600}])
def test_a_connection_in_steady_use_is_not_pinged(app, make_product):
    """The other side of the trade: a connection used moments ago is trusted, so the
    request that finds it dropped fails once, and the pool starts afresh after it."""
    product_id = make_product(price_minor=1200, stock=5).id
    _pooled_backend_then_drop_it()
    client = app.test_client()
    with pytest.raises(OperationalError):
        client.post("/cart/add", data={"product_id": product_id, "quantity": 1})
    response = client.post("/cart/add", data={"product_id": product_id, "quantity": 1})
    assert response.status_code == 302


def test_reconcile_rereads_a_dispute_still_open_however_long_ago_it_opened(
    shopper, make_product, sandbox, deliver, runner
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent_id = paid_at_stripe_only(shopper, order)
    runner.invoke(args=["stripe", "reconcile"])
    dispute = sandbox.control.create_dispute(intent_id)
    deliver("charge.dispute.created", dispute["id"])
    assert reload(order).dispute_status == "needs_response"
    # The bank decides; the event saying so never arrives. By the next run the dispute
    # is older than the run's window, which only lists what was created since.
    sandbox.control.close_dispute(dispute["id"], "lost")
    time.sleep(1.1)

    result = runner.invoke(args=["stripe", "reconcile", "--since", "0m"])

    assert result.exit_code == 0, result.output
    assert f"{order.number}: dispute needs response → lost" in result.output
    assert reload(order).dispute_status == "lost"


def test_reconcile_names_a_pending_refund_and_then_that_it_went_through(
    shopper, make_product, sandbox, stripe_api, runner
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    response, error, intent = shopper.pay(order, "pm_card_pendingRefund")
    assert error is None and response.get_json()["status"] == "paid"
    # Refunded from Stripe's Dashboard; its events are lost.
    refund = stripe_api.v1.refunds.create({"payment_intent": intent["intent_id"]})
    assert refund.status == "pending"

    first = runner.invoke(args=["stripe", "reconcile"])
    assert f"{order.number}: refund {refund.id} pending (new)" in first.output
    sandbox.control.advance(3600)  # the bank completes the refund
    second = runner.invoke(args=["stripe", "reconcile"])

    assert second.exit_code == 0, second.output
    assert (f"{order.number}: paid → refunded, refunded $0.00 → $25.00, refund {refund.id}"
            " pending → succeeded") in second.output
    assert reload(order).status == "refunded"
