"""A refund that failed at Stripe needs attention until the customer has the money: an
admin who paid it back another way (bank transfer, cash) marks it so on the order page,
and it leaves the dashboard. A refund that failed as its payment was disputed is the
dispute's to decide while it is open or once lost; a dispute the shop won hands it back
to the admin, as the customer never had that money."""

import re
from html import unescape

import pytest

from shop.extensions import db
from shop.models import OrderEvent, Refund
from shop.services import disputes, failed_refunds
from tests.admin.conftest import ADMIN, CUSTOMER
from tests.admin.test_needs_attention import attention
from tests.admin.test_refunds import paid_with, refund_form, send, sync_from_stripe
from tests.conftest import AuthActions
from tests.html_support import button_labels, form_fields, ids_used_twice
from tests.payments_support import reload

MARKED = f"Refund of $25.00 marked as refunded another way, outside Stripe, by {ADMIN[0]}."


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


@pytest.fixture
def failed(boss, shopper, make_product, sandbox):
    """A $25.00 order whose full refund, asked for by the admin, the bank returned later:
    (order, refund) as the shop knows them after a sync."""
    order = paid_with(shopper, make_product, "pm_card_refundFail")  # refunds fail later
    send(boss, order, refund_form(boss, order))
    sandbox.control.advance(3600)  # the refund fails at Stripe
    sync_from_stripe(boss, order)
    order = reload(order)
    [refund] = order.refunds
    assert refund.status == "failed"
    return order, refund


def settle_url(order, refund) -> str:
    return f"/admin/orders/{order.number}/refunds/{refund.stripe_refund_id}/settled"


def order_page(client, order) -> str:
    return client.get(f"/admin/orders/{order.number}").get_data(as_text=True)


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", unescape(response.get_data(as_text=True))).split())


def settled_entries(order) -> list[tuple[str, str]]:
    return list(db.session.execute(
        db.select(OrderEvent.message, OrderEvent.actor).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == "refund_settled_elsewhere")
    ).all())


def failed_refunds_on_dashboard(client) -> str:
    return attention(client.get("/admin/").get_data(as_text=True))["Failed refunds"]


def test_a_failed_refund_paid_back_another_way_leaves_the_dashboard(app, boss, failed):
    order, refund = failed
    assert failed_refunds_on_dashboard(boss) == f"1 (order {order.number})"
    app.config["WTF_CSRF_ENABLED"] = True
    page = order_page(boss, order)
    assert ids_used_twice(page) == []

    marked = boss.post(settle_url(order, refund), data=form_fields(page, settle_url(order, refund)),
                       follow_redirects=True)

    assert marked.request.path == f"/admin/orders/{order.number}"
    assert (f"Refund of $25.00 ({refund.stripe_refund_id}) marked as refunded another way."
            in text_of(marked))
    assert failed_refunds_on_dashboard(boss) == "0"
    assert settled_entries(order) == [(MARKED, ADMIN[0])]
    assert f"{MARKED} by {ADMIN[0]}" in text_of(marked)  # the timeline, as the admin reads it
    assert "Mark as refunded another way" not in order_page(boss, order)  # nothing left to do
    # The row and the refund form say so, so that nobody refunds the customer twice.
    assert f"refunded another way, outside Stripe (by {ADMIN[0]}," in text_of(marked)
    assert ("Up to $25.00 is left to refund (in USD). Refunded another way, outside Stripe,"
            " and not counted here: $25.00") in text_of(marked)
    # No money moved through Stripe: the order is as the failed refund left it.
    order = reload(order)
    assert (order.status, order.amount_refunded_minor) == ("paid", 0)
    assert db.session.get(Refund, refund.id).status == "failed"


def test_marking_one_of_an_orders_failed_refunds_leaves_the_other_counted(
    boss, shopper, make_product, sandbox
):
    order = paid_with(shopper, make_product, "pm_card_refundFail")
    send(boss, order, {**refund_form(boss, order), "amount": "10.00"})
    send(boss, order, refund_form(boss, order))  # the $15.00 left
    sandbox.control.advance(3600)  # both fail at Stripe
    sync_from_stripe(boss, order)
    first, second = sorted(reload(order).refunds, key=lambda refund: refund.amount_minor)
    assert failed_refunds_on_dashboard(boss) == f"2 (order {order.number})"

    boss.post(settle_url(order, first))

    assert failed_refunds_on_dashboard(boss) == f"1 (order {order.number})"
    # Only the $10.00 marked was paid back outside Stripe; the $15.00 is still owed.
    assert ("Refunded another way, outside Stripe, and not counted here: $10.00 "
            in text_of(boss.get(f"/admin/orders/{order.number}")))
    labels = [label for label, _ in button_labels(order_page(boss, order)) if label]
    assert labels == [f"Mark as refunded another way: $15.00 refund {second.stripe_refund_id}"]


def test_the_buttons_name_says_what_it_shows_and_which_refund(boss, failed):
    order, refund = failed

    [(label, shown)] = [(label, text) for label, text in button_labels(order_page(boss, order))
                        if text == "Mark as refunded another way"]

    assert label == f"Mark as refunded another way: $25.00 refund {refund.stripe_refund_id}"
    assert label.startswith(shown)  # speech users say what they see


def test_marking_twice_writes_one_entry_and_says_so(boss, failed):
    order, refund = failed
    boss.post(settle_url(order, refund))

    again = boss.post(settle_url(order, refund), follow_redirects=True)

    assert (f"Refund of $25.00 ({refund.stripe_refund_id}) was already marked as refunded"
            " another way; nothing changed." in text_of(again))
    assert settled_entries(order) == [(MARKED, ADMIN[0])]


def test_a_refund_that_did_not_fail_cannot_be_marked(boss, paid_order):
    send(boss, paid_order, {**refund_form(boss, paid_order), "amount": "10.00"})
    [refund] = reload(paid_order).refunds
    assert refund.status == "succeeded"
    assert "Mark as refunded another way" not in order_page(boss, paid_order)

    refused = boss.post(settle_url(paid_order, refund), follow_redirects=True)

    assert ("Only a failed refund can be marked as refunded another way; Stripe reports"
            f" refund {refund.stripe_refund_id} succeeded." in text_of(refused))
    assert settled_entries(paid_order) == []


def test_a_refund_of_another_order_or_none_is_not_found(boss, failed, paid_order):
    order, refund = failed

    assert boss.post(settle_url(paid_order, refund)).status_code == 404
    assert boss.post(f"/admin/orders/{order.number}/refunds/re_unknown/settled").status_code == 404
    assert settled_entries(order) == settled_entries(paid_order) == []
    assert boss.post(settle_url(order, refund)).status_code == 302  # on its own order


def test_guests_log_in_and_customers_find_nothing_as_elsewhere_in_admin(
    app, boss, failed, make_user
):
    order, refund = failed
    url = settle_url(order, refund)
    guest = app.test_client()
    assert guest.post(url).headers["Location"] == f"/auth/login?next={url}"
    make_user(email=CUSTOMER[0], password=CUSTOMER[1])
    customer = app.test_client()
    AuthActions(customer).login(*CUSTOMER)

    assert customer.post(url).status_code == 404
    assert settled_entries(order) == []
    assert failed_refunds_on_dashboard(boss) == f"1 (order {order.number})"


def test_marking_needs_the_csrf_token(app, boss, failed):
    order, refund = failed
    app.config["WTF_CSRF_ENABLED"] = True  # only now: the paying helpers send no token

    assert boss.post(settle_url(order, refund)).status_code == 400

    assert settled_entries(order) == []
    assert failed_refunds_on_dashboard(boss) == f"1 (order {order.number})"


def disputed_meanwhile(refund: Refund) -> Refund:
    """The refund as Stripe fails it when its payment is disputed while it is pending.

    The sandbox fails refunds only as expired_or_canceled_card, so that reason is set
    in the database.
    """
    db.session.execute(db.update(Refund).where(Refund.id == refund.id)
                       .values(failure_reason="charge_for_pending_refund_disputed"))
    db.session.commit()
    return db.session.get(Refund, refund.id)


def test_a_refund_failed_by_a_dispute_says_not_to_pay_the_customer_another_way(failed):
    order, refund = failed

    assert failed_refunds.failure_text(disputed_meanwhile(refund), order) == (
        "Refund of $25.00 failed: the payment was disputed while the refund was pending. The"
        " amount is back in the Stripe balance; the dispute now decides whether the customer"
        " gets it, so do not refund them another way.")


def test_a_refund_failed_by_a_dispute_the_shop_has_won_since_says_to_refund_again(failed):
    order, refund = failed
    # Stripe's word on the refund arrives after the dispute's (a late or lost webhook).
    reload(order).dispute_status = "won"
    db.session.commit()

    assert failed_refunds.failure_text(disputed_meanwhile(refund), reload(order)) == (
        "Refund of $25.00 failed: the payment was disputed while the refund was pending. The"
        " amount is back in the Stripe balance; the shop kept the money when the dispute"
        " ended, so refund the customer again, or another way.")


def test_a_refund_failed_by_a_dispute_is_left_to_the_dispute(boss, failed):
    order, refund = failed
    refund = disputed_meanwhile(refund)

    assert failed_refunds_on_dashboard(boss) == "0"  # the open dispute is counted instead
    assert "Mark as refunded another way" not in order_page(boss, order)
    refused = boss.post(settle_url(order, refund), follow_redirects=True)
    assert (f"Refund {refund.stripe_refund_id} failed as its payment was disputed: the dispute"
            " decides whether the customer gets the money" in text_of(refused))
    assert settled_entries(order) == []


def test_a_failed_refund_on_a_payment_charged_back_since_is_left_to_the_dispute(boss, failed):
    order, refund = failed
    # A chargeback after the refund failed: the card the sandbox fails refunds on is not
    # one it disputes, so the order's dispute is set as a lost dispute's sync sets it.
    reload(order).dispute_status = "lost"
    db.session.commit()

    assert failed_refunds_on_dashboard(boss) == "0"  # nothing for anyone to pay back
    assert "Mark as refunded another way" not in order_page(boss, order)
    refused = boss.post(settle_url(order, refund), follow_redirects=True)
    assert ("This payment is charged back (see Disputes): the dispute decides whether the"
            " customer gets the money" in text_of(refused))
    assert settled_entries(order) == []


def owed_entries(order) -> list[str]:
    return list(db.session.execute(
        db.select(OrderEvent.message).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == "refund_owed")
    ).scalars())


def disputed_until(outcome: str, order, sandbox, deliver) -> None:
    """The bank opens a dispute on the order's payment and closes it as `outcome`; the
    shop hears of both."""
    dispute = sandbox.control.create_dispute(order.payments[0].intent_id)
    assert deliver("charge.dispute.created", dispute["id"]) == (200, "processed")
    sandbox.control.close_dispute(dispute["id"], outcome)
    assert deliver("charge.dispute.closed", dispute["id"]) == (200, "processed")


def test_a_dispute_won_hands_the_refund_it_made_fail_back_to_the_admin(
    app, boss, failed, sandbox, deliver
):
    order, refund = failed
    refund = disputed_meanwhile(refund)
    dispute = sandbox.control.create_dispute(order.payments[0].intent_id)
    deliver("charge.dispute.created", dispute["id"])
    assert failed_refunds_on_dashboard(boss) == "0"  # the dispute decides, for now

    sandbox.control.close_dispute(dispute["id"], "won")
    assert deliver("charge.dispute.closed", dispute["id"]) == (200, "processed")
    assert deliver("charge.dispute.updated", dispute["id"]) == (200, "processed")

    # The shop kept the money, so the customer who asked for it back never had it.
    assert failed_refunds_on_dashboard(boss) == f"1 (order {order.number})"
    assert owed_entries(order) == [
        f"The dispute was won, so the refund of $25.00 ({refund.stripe_refund_id}) that failed"
        " when the payment was disputed never reached the customer: refund them again, or"
        " another way."]
    page = order_page(boss, order)
    assert "Mark as refunded another way" in page
    assert f'action="/admin/orders/{order.number}/refund"' in page  # or again through Stripe
    app.config["WTF_CSRF_ENABLED"] = True
    boss.post(settle_url(order, refund), data=form_fields(page, settle_url(order, refund)))
    assert settled_entries(order) == [(MARKED, ADMIN[0])]
    assert failed_refunds_on_dashboard(boss) == "0"


def test_a_dispute_lost_keeps_the_refund_it_made_fail_with_the_dispute(
    boss, failed, sandbox, deliver
):
    order, refund = failed
    refund = disputed_meanwhile(refund)

    disputed_until("lost", order, sandbox, deliver)  # the chargeback paid the customer

    assert failed_refunds_on_dashboard(boss) == "0"
    assert owed_entries(order) == []
    assert "Mark as refunded another way" not in order_page(boss, order)
    refused = boss.post(settle_url(order, refund), follow_redirects=True)
    assert "the dispute decides whether the customer gets the money" in text_of(refused)
    assert settled_entries(order) == []


def test_a_dispute_won_on_an_order_whose_refund_failed_for_another_reason_adds_nothing(
    boss, failed, sandbox, deliver
):
    order, _ = failed

    disputed_until("won", order, sandbox, deliver)

    assert owed_entries(order) == []  # the failed refund was counted all along
    assert failed_refunds_on_dashboard(boss) == f"1 (order {order.number})"


def test_an_inquiry_closed_without_a_chargeback_hands_the_refund_it_made_fail_back(
    app, boss, failed, sandbox
):
    order, refund = failed
    refund = disputed_meanwhile(refund)
    # The bank's inquiry (warning_*), which the sandbox does not open: Stripe's dispute as
    # it would send it for one, told to the shop as its webhooks tell it.
    dispute = sandbox.control.create_dispute(order.payments[0].intent_id)
    with app.test_request_context():
        disputes.sync_dispute({**dispute, "status": "warning_needs_response"})
        db.session.commit()
    assert failed_refunds_on_dashboard(boss) == "0"  # the inquiry decides, for now

    with app.test_request_context():
        disputes.sync_dispute({**dispute, "status": "warning_closed"})
        db.session.commit()

    # The inquiry ended with the money kept by the shop: the customer never had it.
    assert failed_refunds_on_dashboard(boss) == f"1 (order {order.number})"
    assert owed_entries(order) == [
        f"The dispute was closed without a chargeback, so the refund of $25.00"
        f" ({refund.stripe_refund_id}) that failed when the payment was disputed never"
        " reached the customer: refund them again, or another way."]
    page = order_page(boss, order)
    assert "Mark as refunded another way" in page
    marked = boss.post(settle_url(order, refund), follow_redirects=True)
    assert (f"Refund of $25.00 ({refund.stripe_refund_id}) marked as refunded another way."
            in text_of(marked))
    assert settled_entries(order) == [(MARKED, ADMIN[0])]
    assert failed_refunds_on_dashboard(boss) == "0"
