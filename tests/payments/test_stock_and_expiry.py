"""Stock reservation, races for the last item, expiry, reconcile and their commands."""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event

from shop.extensions import db
from shop.models import Order, Product, utcnow
from shop.services import reconcile
from tests.conftest import POSTGRES_URL
from tests.payments_support import reload, settle_webhooks


def stock_of(product) -> int:
    db.session.expire_all()
    return db.session.get(Product, product.id).stock


def expire_now(order) -> None:
    order = db.session.get(Order, order.id)
    order.reserved_until = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_out_of_stock_at_checkout_goes_back_to_the_cart_reserving_nothing(shopper, make_product):
    mug = make_product(name="Mug", stock=3)
    towel = make_product(name="Towel", stock=5)
    shopper.client.post("/cart/add", data={"product_id": mug.id, "quantity": 2})
    shopper.client.post("/cart/add", data={"product_id": towel.id, "quantity": 1})
    mug_row = db.session.get(Product, mug.id)
    mug_row.stock = 1  # someone else bought it meanwhile
    db.session.commit()
    response = shopper.client.post(
        "/checkout", data={"email": "a@example.com"}, follow_redirects=True
    )
    assert "can&#39;t be bought as they are" in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 0
    assert stock_of(mug) == 1 and stock_of(towel) == 5


def test_price_change_since_the_cart_was_shown_sends_the_customer_back(shopper, make_product):
    mug = make_product(price_minor=1000)
    shopper.client.post("/cart/add", data={"product_id": mug.id, "quantity": 1})
    page = shopper.client.get("/cart/").get_data(as_text=True)
    version = page.split('name="cart_version" type="hidden" value="')[1].split('"')[0]
    db.session.get(Product, mug.id).price_minor = 1200
    db.session.commit()
    response = shopper.client.post(
        "/checkout",
        data={"email": "a@example.com", "cart_version": version},
        follow_redirects=True,
    )
    assert "Your cart changed" in response.get_data(as_text=True)
    assert stock_of(mug) == 10
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 0


def test_a_checkout_that_loses_the_last_item_meanwhile_leaves_no_order(
    shopper, make_product
):
    """Another checkout takes the last lamp after this one checked the cart and just as
    it starts writing its order: the customer is told, and nothing of the order stays."""
    lamp_id = make_product(name="Lamp", stock=1).id
    shopper.client.post("/cart/add", data={"product_id": lamp_id, "quantity": 1})
    sold = []

    def sold_elsewhere(connection, cursor, statement, *args) -> None:
        if statement.startswith("SAVEPOINT") and not sold:  # the order's insert begins
            sold.append(lamp_id)
            with db.engine.connect() as other:  # the other checkout, committed
                other.execute(db.update(Product).where(Product.id == lamp_id).values(stock=0))
                other.commit()

    event.listen(db.engine, "before_cursor_execute", sold_elsewhere)
    try:
        response = shopper.client.post("/checkout", data={"email": "a@example.com"},
                                       follow_redirects=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", sold_elsewhere)

    assert response.request.path == "/cart/"
    assert "Sorry, Lamp just sold out; please review your cart." in response.get_data(
        as_text=True)
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 0
    assert db.session.get(Product, lamp_id).stock == 0
    assert "awaiting payment" not in shopper.client.get("/cart/").get_data(as_text=True)


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")
def test_two_customers_race_for_the_last_item(app, make_product):
    lamp = make_product(name="Lamp", stock=1)
    lamp_id = lamp.id
    results = []
    barrier = threading.Barrier(2)

    def buy(n):
        with app.test_client() as c:
            c.post("/cart/add", data={"product_id": lamp_id, "quantity": 1})
            barrier.wait()
            response = c.post("/checkout", data={"email": f"racer{n}@example.com"})
            results.append("/pay" in response.headers.get("Location", ""))

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    assert stock_of(lamp) == 0
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 1


def test_expiry_cancels_the_intent_and_releases_stock(shopper, make_product, runner, stripe_api):
    mug = make_product(stock=4)
    order = shopper.checkout((mug, 3))
    intent = shopper.start(order).get_json()
    assert stock_of(mug) == 1
    expire_now(order)
    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    assert f"{order.number}: canceled" in result.output
    assert reload(order).status == "canceled" and stock_of(mug) == 4
    assert stripe_api.v1.payment_intents.retrieve(intent["intent_id"])["status"] == "canceled"
    # Running it again finds nothing to do and releases nothing twice.
    assert "0 expired order(s)" in runner.invoke(args=["orders", "expire"]).output
    assert stock_of(mug) == 4


def test_expired_order_paid_at_the_last_second_ends_paid(shopper, make_product, runner):
    mug = make_product(stock=4)
    order = shopper.checkout((mug, 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_visa")  # paid, but nobody told the shop yet
    expire_now(order)
    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    assert reload(order).status == "paid" and stock_of(mug) == 3


def test_expiry_that_cannot_reach_stripe_fails_for_cron_and_leaves_the_order(
    shopper, make_product, runner, sandbox
):
    mug = make_product(stock=4)
    order = shopper.checkout((mug, 1))
    intent = shopper.start(order).get_json()
    expire_now(order)
    sandbox.control.fault(f"/v1/payment_intents/{intent['intent_id']}/cancel", "error", count=3)

    result = runner.invoke(args=["orders", "expire"])

    assert result.exit_code == 1  # cron mails it; the next run tries again
    assert f"{order.number}: left pending (" in result.output
    assert "your order is saved" not in result.output  # Stripe's words, not the customers'
    assert "0 expired order(s) handled, 1 left pending." in result.output
    assert reload(order).status == "pending" and stock_of(mug) == 3
    assert runner.invoke(args=["orders", "expire"]).exit_code == 0
    assert reload(order).status == "canceled"


def test_expiry_without_an_intent(shopper, make_product, runner):
    mug = make_product(stock=2)
    order = shopper.checkout((mug, 2))
    expire_now(order)
    runner.invoke(args=["orders", "expire"])
    assert reload(order).status == "canceled" and stock_of(mug) == 2


def test_reconcile_recovers_orders_whose_webhooks_were_lost(
    shopper, make_product, runner, sandbox, stripe_api
):
    first = shopper.checkout((make_product(price_minor=2000), 1))
    second = shopper.checkout((make_product(price_minor=3000), 1))
    for order in (first, second):
        intent = shopper.start(order).get_json()
        shopper.confirm_at_stripe(intent, "pm_card_visa")
    paid_intent = db.session.get(Order, second.id).payments[0].intent_id
    stripe_api.v1.refunds.create({"payment_intent": paid_intent, "amount": 500})
    result = runner.invoke(args=["stripe", "reconcile", "--since", "1d"])
    assert result.exit_code == 0, result.output
    assert f"{first.number}: pending → paid" in result.output
    assert reload(first).status == "paid"
    assert reload(second).status == "partially_refunded"
    again = runner.invoke(args=["stripe", "reconcile"])
    assert again.output.strip().endswith("0 change(s).")


def test_reconcile_rereads_a_dispute_still_open_however_old(shopper, make_product, sandbox):
    order = shopper.checkout((make_product(price_minor=2000), 1))
    shopper.pay(order, "pm_card_visa")
    dispute = sandbox.control.create_dispute(reload(order).payments[0].intent_id)
    list(reconcile.reconcile(utcnow() - timedelta(days=1)))
    db.session.commit()
    assert reload(order).dispute_status == "needs_response"
    sandbox.control.close_dispute(dispute["id"], "lost")  # its webhooks were lost

    # Weeks later: the dispute was opened before any window reconcile looks back over.
    changes = [c for c in reconcile.reconcile(utcnow() + timedelta(days=1)) if c]
    db.session.commit()

    assert changes == [f"{order.number}: dispute needs response → lost"]
    assert reload(order).dispute_status == "lost"


def test_reconcile_refuses_a_bad_since(runner):
    result = runner.invoke(args=["stripe", "reconcile", "--since", "soon"])
    assert result.exit_code == 2 and "use a number and d, h or m" in result.output


def test_reprocess_failed_events(shopper, make_product, sandbox, webhooks_on, runner):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    intent = shopper.start(order).get_json()
    sandbox.control.configure(max_attempts=1)
    sandbox.control.fault(
        f"/v1/payment_intents/{intent['intent_id']}", "error", count=3, method="GET"
    )
    shopper.confirm_at_stripe(intent, "pm_card_visa")
    settle_webhooks(sandbox)
    sandbox.control.configure(max_attempts=5)
    assert reload(order).status == "pending"
    sandbox.control.fault(  # Stripe still failing: the run says so, for cron
        f"/v1/payment_intents/{intent['intent_id']}", "error", count=3, method="GET"
    )
    still = runner.invoke(args=["stripe", "events", "reprocess", "--failed"])
    assert still.exit_code == 1 and "1 event(s) reprocessed, 1 failed again." in still.output
    # Why, in Stripe's words as the inbox keeps them, not just "failed".
    assert re.search(r"evt_\w+: failed \(PaymentsUnavailable \(APIError: Request req_\w+: .+\)\)",
                     still.output), still.output
    result = runner.invoke(args=["stripe", "events", "reprocess", "--failed"])
    assert result.exit_code == 0, result.output
    assert "processed" in result.output
    assert reload(order).status == "paid"


def test_reprocessing_an_event_not_in_the_inbox_runs_nothing(runner):
    result = runner.invoke(args=["stripe", "events", "reprocess", "evt_not_stored"])
    assert result.exit_code == 1
    assert "Not in the inbox: evt_not_stored. Nothing was run." in result.output


def test_reconcile_when_stripe_stops_answering_keeps_what_it_did_and_says_so(
    app, shopper, make_product, sandbox, runner
):
    paid, waiting = (shopper.checkout((make_product(price_minor=2000), 1)) for _ in range(2))
    intents = [shopper.start(order).get_json() for order in (paid, waiting)]
    for intent in intents:
        shopper.confirm_at_stripe(intent, "pm_card_visa")  # both tabs closed: no report
    app.config["STRIPE_MAX_RETRIES"] = 0
    app.extensions.pop("stripe_client", None)  # the client is built from config once
    # Stripe answers about the first order, then fails.
    sandbox.control.fault(f"/v1/payment_intents/{intents[1]['intent_id']}", "error", count=5)

    result = runner.invoke(args=["stripe", "reconcile"])

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{paid.number}: pending → paid" in result.output
    assert "Stopped early, a call to Stripe failed" in result.output
    assert (reload(paid).status, reload(waiting).status) == ("paid", "pending")


def test_reprocessing_the_whole_inbox_must_be_asked_for(shopper, make_product, sandbox,
                                                        webhooks_on, runner):
    shopper.pay(shopper.checkout((make_product(price_minor=2000), 1)), "pm_card_visa")
    settle_webhooks(sandbox)
    bare = runner.invoke(args=["stripe", "events", "reprocess"])
    assert bare.exit_code == 2 and "Name events, or pass --failed or --all." in bare.output
    assert "reprocessed" not in bare.output
    every = runner.invoke(args=["stripe", "events", "reprocess", "--all"])
    assert every.exit_code == 0 and "event(s) reprocessed, 0 failed again." in every.output


def test_expiry_leaves_a_payment_still_processing_at_stripe(
    shopper, make_product, runner, stripe_api
):
    mug = make_product(stock=4)
    order = shopper.checkout((mug, 1))
    intent = shopper.start(order).get_json()
    shopper.confirm_at_stripe(intent, "pm_card_sandbox_processing")  # nobody told the shop
    expire_now(order)

    result = runner.invoke(args=["orders", "expire"])

    assert result.exit_code == 0, result.output
    assert stripe_api.v1.payment_intents.retrieve(intent["intent_id"])["status"] == "processing"
    assert reload(order).status == "processing" and stock_of(mug) == 3


def test_expiry_leaves_an_order_the_shop_knows_is_processing(
    shopper, make_product, runner, stripe_api
):
    mug = make_product(stock=4)
    order = shopper.checkout((mug, 1))
    response, _, intent = shopper.pay(order, "pm_card_sandbox_processing")
    assert response.get_json()["status"] == "processing"  # the pay page told the shop
    expire_now(order)

    result = runner.invoke(args=["orders", "expire"])

    assert result.exit_code == 0, result.output
    assert "0 expired order(s)" in result.output
    assert stripe_api.v1.payment_intents.retrieve(intent["intent_id"])["status"] == "processing"
    assert reload(order).status == "processing" and stock_of(mug) == 3


def test_expiry_gives_the_stock_back_when_stripe_no_longer_has_the_intent(
    shopper, make_product, runner, sandbox
):
    mug = make_product(stock=4)
    order = shopper.checkout((mug, 3))
    intent = shopper.start(order).get_json()
    sandbox.control.reset()  # the Dashboard's "Delete all test data"
    expire_now(order)

    result = runner.invoke(args=["orders", "expire"])

    assert result.exit_code == 0, result.output
    assert reload(order).status == "canceled" and stock_of(mug) == 4
    notes = [e.message for e in reload(order).events if e.kind == "attention"]
    assert notes == [f"Stripe has no payment {intent['intent_id']} (test data deleted, or "
                     "other keys)."]


def test_reconcile_skips_an_intent_stripe_no_longer_has_and_goes_on(
    shopper, make_product, runner, sandbox
):
    forgotten = shopper.checkout((make_product(price_minor=2000), 1))
    forgotten_intent = shopper.start(forgotten).get_json()
    sandbox.control.reset()
    paid = shopper.checkout((make_product(price_minor=3000), 1))
    shopper.confirm_at_stripe(shopper.start(paid).get_json(), "pm_card_visa")  # no report

    result = runner.invoke(args=["stripe", "reconcile"])

    assert result.exit_code == 0, result.output
    assert f"{paid.number}: pending → paid" in result.output
    assert "1 change(s)." in result.output
    assert (f"Skipped {forgotten.number}: Stripe has no payment {forgotten_intent['intent_id']};"
            " left as it is.") in result.output
    assert (reload(forgotten).status, reload(paid).status) == ("pending", "paid")


def test_an_intent_stripe_lost_for_a_while_then_paid_asks_the_admin_to_refund(
    shopper, make_product, runner, sandbox, deliver
):
    mug = make_product(stock=4)
    order = shopper.checkout((mug, 1))
    started = shopper.start(order).get_json()
    expire_now(order)
    sandbox.control.fault(f"/v1/payment_intents/{started['intent_id']}", "not_found", count=1,
                          method="GET")  # one answer from another account's keys
    runner.invoke(args=["orders", "expire"])
    assert reload(order).status == "canceled" and stock_of(mug) == 4

    shopper.confirm_at_stripe(started, "pm_card_visa")  # the page still open pays
    assert deliver("payment_intent.succeeded", started["intent_id"]) == (200, "processed")

    notes = [e.message for e in reload(order).events if e.kind == "attention"]
    assert "Payment succeeded on a cancelled order: refund it." in notes
    page = shopper.client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "A payment reached us after it was cancelled" in page
    assert "Nothing was charged" not in page


def test_reconcile_finds_a_payment_made_on_a_cancelled_order_whose_webhook_was_lost(
    shopper, make_product, runner, sandbox
):
    mug = make_product(stock=4)
    order = shopper.checkout((mug, 1))
    started = shopper.start(order).get_json()
    expire_now(order)
    sandbox.control.fault(f"/v1/payment_intents/{started['intent_id']}", "not_found", count=1,
                          method="GET")  # one answer from another account's keys
    runner.invoke(args=["orders", "expire"])
    assert reload(order).status == "canceled"
    shopper.confirm_at_stripe(started, "pm_card_visa")  # the page still open pays; no webhook

    result = runner.invoke(args=["stripe", "reconcile"])

    assert result.exit_code == 0, result.output
    notes = [e.message for e in reload(order).events if e.kind == "attention"]
    assert "Payment succeeded on a cancelled order: refund it." in notes
    assert reload(order).status == "canceled" and stock_of(mug) == 4


@pytest.mark.parametrize(("outcome", "status"), [("succeeded", "paid"), ("failed", "pending")])
def test_reconcile_settles_a_processing_order_older_than_its_window(
    shopper, make_product, sandbox, outcome, status
):
    order = shopper.checkout((make_product(price_minor=2000), 1))
    response, _, intent = shopper.pay(order, "pm_card_sandbox_processing")
    assert response.get_json()["status"] == "processing"
    sandbox.control.settle(intent["intent_id"], outcome)  # its webhook was lost

    # Weeks later: the intent was made before any window reconcile looks back over.
    changes = [c for c in reconcile.reconcile(utcnow() + timedelta(days=1)) if c]
    db.session.commit()

    assert changes == [f"{order.number}: processing → {status}"]
    assert reload(order).status == status


def test_reconcile_settles_a_pending_refund_older_than_its_window(
    shopper, make_product, sandbox, stripe_api
):
    order = shopper.checkout((make_product(price_minor=2500), 1))
    shopper.pay(order, "pm_card_pendingRefund")  # its refunds wait before they succeed
    refund = stripe_api.v1.refunds.create(
        {"payment_intent": reload(order).payments[0].intent_id, "amount": 1000})
    list(reconcile.reconcile(utcnow() - timedelta(days=1)))
    db.session.commit()
    assert [r.status for r in reload(order).refunds] == ["pending"]
    sandbox.control.advance(3600)  # the bank settles the refund; its webhooks are lost

    # Weeks later: the refund was made before any window reconcile looks back over.
    changes = [c for c in reconcile.reconcile(utcnow() + timedelta(days=1)) if c]
    db.session.commit()

    order = reload(order)
    assert [r.status for r in order.refunds] == ["succeeded"]
    assert (order.status, order.amount_refunded_minor) == ("partially_refunded", 1000)
    assert [f"refund {refund.id} pending → succeeded" in c for c in changes] == [True]


def test_reconcile_reads_an_orders_later_intents_after_one_stripe_lost(
    shopper, make_product, sandbox
):
    order = shopper.checkout((make_product(price_minor=2000), 1))
    lost = shopper.start(order).get_json()
    sandbox.control.fault(f"/v1/payment_intents/{lost['intent_id']}", "not_found", count=1,
                          method="GET")
    second = shopper.start(order).get_json()  # a new intent takes the lost one's place
    assert second["intent_id"] != lost["intent_id"]
    shopper.confirm_at_stripe(second, "pm_card_visa")  # the tab closed: no report
    sandbox.control.fault(f"/v1/payment_intents/{lost['intent_id']}", "not_found", count=1,
                          method="GET")  # still lost when reconcile asks

    # Weeks later: neither intent is in the window reconcile looks back over.
    changes = [c for c in reconcile.reconcile(utcnow() + timedelta(days=1)) if c]
    db.session.commit()

    assert f"{order.number}: pending → paid" in changes
    assert reload(order).status == "paid"
