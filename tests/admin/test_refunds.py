"""Refunds, cancellation and sync from the order page, paid through the Stripe sandbox."""

import re
from html import unescape

import pytest

from shop.extensions import db
from shop.models import OrderEvent, Product, Refund
from shop.services import refunds
from tests.admin.conftest import ADMIN
from tests.conftest import csrf_token_from
from tests.payments_support import EXPIRED_CARD_REFUND, reload


@pytest.fixture
def app_config(stripe_config):
    return stripe_config


def refund_form(client, order) -> dict:
    """The refund form as the page renders it: default amount, reason, keys."""
    return refund_form_in(client.get(f"/admin/orders/{order.number}").get_data(as_text=True),
                          order)


def refund_form_in(html: str, order) -> dict:
    form = html.split(f'action="/admin/orders/{order.number}/refund"')[1].split("</form>")[0]
    fields = dict(re.findall(r'name="(\w+)" type="(?:hidden|text)" value="([^"]*)"', form))
    fields.update(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form))  # the token
    fields.update(re.findall(r'<input[^>]*id="(amount)"[^>]*value="([^"]*)"', form))
    fields["reason"] = "requested_by_customer"
    return fields


def confirmation_form(html: str) -> dict:
    form = html.split('action="/admin/orders/')[1].split("</form>")[0]
    return dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form))


def send(client, order, data: dict, follow_redirects: bool = False):
    """The order page's refund form sent as an admin sends it: then, on the confirmation
    page the shop answers with, Confirm refund. The last answer is returned."""
    url = f"/admin/orders/{order.number}/refund"
    response = client.post(url, data=data)
    if response.status_code == 200 and "Confirm refund" in response.get_data(as_text=True):
        response = client.post(url, data=confirmation_form(response.get_data(as_text=True)))
    if follow_redirects and response.status_code == 302:
        response = client.get(response.headers["Location"])
    return response


def timeline(order) -> list[str]:
    return list(db.session.execute(
        db.select(OrderEvent.message).where(OrderEvent.order_id == order.id)
        .order_by(OrderEvent.id)
    ).scalars())


def test_a_refund_is_confirmed_before_stripe_is_asked(boss, paid_order, stripe_api):
    html = boss.get(f"/admin/orders/{paid_order.number}").get_data(as_text=True)
    form = {**refund_form_in(html, paid_order), "amount": "10.00"}

    shown = boss.post(f"/admin/orders/{paid_order.number}/refund", data=form)

    text = re.sub(r"<[^>]+>", "", unescape(shown.get_data(as_text=True)))
    assert shown.status_code == 200
    assert f"Refund $10.00 of order {paid_order.number}?" in text
    assert "Back toVisa •••• 4242, ann@example.com" in text
    assert "Left to refund after this$15.00" in text
    assert stripe_api.v1.refunds.list({"limit": 10})["data"] == []  # nothing asked yet

    confirmed = boss.post(f"/admin/orders/{paid_order.number}/refund",
                          data=confirmation_form(shown.get_data(as_text=True)),
                          follow_redirects=True)

    assert "Refund of $10.00: succeeded." in confirmed.get_data(as_text=True)
    assert [r.amount for r in stripe_api.v1.refunds.list({"limit": 10})["data"]] == [1000]
    assert reload(paid_order).amount_refunded_minor == 1000


def test_partial_then_full_refund(boss, paid_order, stripe_api):
    form = refund_form(boss, paid_order)
    assert form["amount"] == "25.00"
    response = send(boss, paid_order, {**form, "amount": "10.00"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Refund of $10.00: succeeded." in response.get_data(as_text=True)
    order = reload(paid_order)
    assert (order.status, order.amount_refunded_minor) == ("partially_refunded", 1000)
    assert f"Refund of $10.00 requested by {ADMIN[0]}." in timeline(order)

    form = refund_form(boss, order)
    assert form["amount"] == "15.00"  # what is left
    send(boss, order, form)
    order = reload(order)
    assert (order.status, order.amount_refunded_minor) == ("refunded", 2500)
    at_stripe = stripe_api.v1.refunds.list({"limit": 10})
    assert sorted(r["amount"] for r in at_stripe["data"]) == [1000, 1500]
    page = boss.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    assert ">Refund</button>" not in page  # nothing left to refund


def test_more_than_is_left_is_refused_beside_the_amount_before_stripe(boss, paid_order,
                                                                      stripe_api):
    form = refund_form(boss, paid_order)
    # The order page's form, sent as is: refused there, before any confirmation step.
    response = boss.post(f"/admin/orders/{paid_order.number}/refund",
                         data={**form, "amount": "30.00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<p class="field-error" id="amount-error">Only $25.00 is left to refund.</p>' in html
    assert "Confirm refund" not in html
    assert 'aria-describedby="amount-hint amount-error"' in html  # read out with the field
    assert 'value="30.00"' in html  # the admin's input is kept
    assert f'value="{form["request_key"]}"' in html  # refused before Stripe saw the key
    assert stripe_api.v1.refunds.list({"limit": 10})["data"] == []
    order = reload(paid_order)
    assert (order.status, order.amount_refunded_minor) == ("paid", 0)
    assert db.session.execute(db.select(db.func.count(Refund.id))).scalar_one() == 0


def test_one_cent_more_than_is_left_is_refused_by_the_shop_and_all_of_it_is_not(
    boss, paid_order, stripe_api
):
    form = refund_form(boss, paid_order)

    over = boss.post(f"/admin/orders/{paid_order.number}/refund",
                     data={**form, "amount": "25.01"})

    assert over.status_code == 400
    assert "Only $25.00 is left to refund." in over.get_data(as_text=True)
    assert stripe_api.v1.refunds.list({"limit": 10})["data"] == []
    everything = boss.post(f"/admin/orders/{paid_order.number}/refund",
                           data={**form, "amount": "25.00"})
    assert everything.status_code == 200 and "Confirm refund" in everything.get_data(
        as_text=True)


def test_a_three_decimal_amount_stripe_cannot_take_is_refused_before_stripe(
    boss, make_order, stripe_api
):
    order = make_order(total_minor=5000, currency="kwd", payment={})  # KWD 5.000

    response = send(boss, order, {**refund_form(boss, order), "amount": "1.005"})

    assert response.status_code == 400
    assert "KWD amounts must end in 0 in the last decimal place." in response.get_data(
        as_text=True)
    assert stripe_api.v1.refunds.list({"limit": 10})["data"] == []
    assert db.session.execute(db.select(db.func.count(Refund.id))).scalar_one() == 0


def test_stripes_refusal_shows_when_the_shop_has_not_heard_of_a_refund_yet(boss, paid_order,
                                                                           stripe_api):
    # Made in the Stripe Dashboard; its webhook has not landed.
    stripe_api.v1.refunds.create({"payment_intent": paid_order.payments[0].intent_id,
                                  "amount": 1000})
    form = refund_form(boss, paid_order)
    assert form["amount"] == "25.00"  # the shop still thinks all of it is left

    response = send(boss, paid_order, form)

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ("Refund amount ($25.00) is greater than unrefunded amount on charge ($15.00)"
            in html)
    assert len(stripe_api.v1.refunds.list({"limit": 10})["data"]) == 1
    assert reload(paid_order).amount_refunded_minor == 0


def test_a_refund_asked_for_in_another_tab_meanwhile_refuses_this_form(boss, paid_order,
                                                                      stripe_api):
    this_tab = {**refund_form(boss, paid_order), "amount": "10.00"}
    other_tab = {**refund_form(boss, paid_order), "amount": "10.00"}
    assert send(boss, paid_order, other_tab).status_code == 302

    response = send(boss, paid_order, this_tab)

    text = re.sub(r"<[^>]+>", "", unescape(response.get_data(as_text=True)))
    assert response.status_code == 400
    assert ("This order changed while its page was open: $15.00 is left to refund now."
            in text)
    assert "Refund of $10.00 requested by" in text  # the refund it had not seen is listed
    assert len(stripe_api.v1.refunds.list({"limit": 10})["data"]) == 1
    assert reload(paid_order).amount_refunded_minor == 1000

    # Sent again as shown, it is a second refund the admin has now seen the first of.
    again = {**refund_form_in(response.get_data(as_text=True), paid_order), "amount": "10.00"}
    assert send(boss, paid_order, again).status_code == 302
    assert reload(paid_order).amount_refunded_minor == 2000


def test_the_form_sent_again_from_before_its_refund_finds_that_refund(boss, paid_order,
                                                                      stripe_api):
    # Back to the page as it was before the refund, and Refund again.
    form = {**refund_form(boss, paid_order), "amount": "10.00"}
    send(boss, paid_order, form, follow_redirects=True)
    [made] = stripe_api.v1.refunds.list({"limit": 10})["data"]

    again = send(boss, paid_order, form)

    assert again.status_code == 400
    assert (f"This form already asked for a refund of $10.00 ({made.id}), so nothing new was"
            " refunded." in unescape(again.get_data(as_text=True)))
    assert "Confirm refund" not in again.get_data(as_text=True)
    assert len(stripe_api.v1.refunds.list({"limit": 10})["data"]) == 1
    assert reload(paid_order).amount_refunded_minor == 1000


@pytest.mark.parametrize("left_seen", [None, "", "many"])
def test_a_refund_form_without_what_its_page_showed_is_refused(boss, paid_order, stripe_api,
                                                               left_seen):
    form = {**refund_form(boss, paid_order), "amount": "10.00"}
    if left_seen is None:
        del form["left_seen"]
    else:
        form["left_seen"] = left_seen
    response = send(boss, paid_order, form)
    assert response.status_code == 400
    assert "This form is out of date: reload the page." in response.get_data(as_text=True)
    assert stripe_api.v1.refunds.list({"limit": 10})["data"] == []


def test_a_double_submitted_refund_form_refunds_once(app, boss, paid_order, stripe_api):
    app.config["WTF_CSRF_ENABLED"] = True  # the admin's form carries its token
    form = refund_form(boss, paid_order)
    assert form["csrf_token"]
    url = f"/admin/orders/{paid_order.number}/refund"
    shown = boss.post(url, data={**form, "amount": "7.50"})
    confirmed = confirmation_form(shown.get_data(as_text=True))
    first = boss.post(url, data=confirmed)  # Confirm refund, clicked twice
    second = boss.post(url, data=confirmed)
    assert (first.status_code, second.status_code) == (302, 302)
    assert len(stripe_api.v1.refunds.list({"limit": 10})["data"]) == 1
    assert db.session.execute(db.select(db.func.count(Refund.id))).scalar_one() == 1
    order = reload(paid_order)
    assert (order.status, order.amount_refunded_minor) == ("partially_refunded", 750)


def test_a_refund_made_outside_the_shop_appears_after_sync(boss, paid_order, stripe_api):
    intent_id = paid_order.payments[0].intent_id
    stripe_api.v1.refunds.create({"payment_intent": intent_id, "amount": 400})
    page = boss.get(f"/admin/orders/{paid_order.number}")
    token = csrf_token_from(page.get_data(as_text=True))
    response = boss.post(f"/admin/orders/{paid_order.number}/sync",
                         data={"csrf_token": token}, follow_redirects=True)
    html = unescape(response.get_data(as_text=True))
    refund_id = stripe_api.v1.refunds.list({"payment_intent": intent_id}).data[0].id
    # In words and money, about this order only: no number repeated, no cents.
    assert (f"Synced with Stripe: paid → partially refunded, refunded $0.00 → $4.00, refund"
            f" {refund_id} succeeded (new).") in html
    order = reload(paid_order)
    assert (order.status, order.amount_refunded_minor) == ("partially_refunded", 400)
    assert any(m.startswith(f"{ADMIN[0]} synced the order with Stripe") for m in timeline(order))


def test_flask_refund_dry_run_changes_nothing(app, runner, paid_order, stripe_api):
    result = runner.invoke(args=["refund", paid_order.number, "--amount", "12.50",
                                 "--reason", "requested_by_customer", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would refund $12.50 of order" in result.output and "$25.00 left" in result.output
    too_much = runner.invoke(args=["refund", paid_order.number, "--amount", "30", "--dry-run"])
    assert too_much.exit_code != 0 and "Would not refund $30.00" in too_much.output
    assert stripe_api.v1.refunds.list({"limit": 10})["data"] == []
    order = reload(paid_order)
    assert (order.status, order.amount_refunded_minor) == ("paid", 0)


def test_flask_refund_refunds_through_the_same_service(app, runner, paid_order):
    result = runner.invoke(args=["refund", paid_order.number, "--amount", "5"])
    assert result.exit_code == 0, result.output
    order = reload(paid_order)
    assert (order.status, order.amount_refunded_minor) == ("partially_refunded", 500)
    assert "Refund of $5.00 requested from the command line." in timeline(order)
    refused = runner.invoke(args=["refund", paid_order.number, "--amount", "99.00"])
    assert refused.exit_code != 0 and "Only $20.00 is left to refund." in refused.output


@pytest.fixture
def answer_lost(app, sandbox):
    """Stripe makes the next refund, but its answer is lost; the shop's Stripe client
    does not retry (a retry with the same key would be answered with the refund)."""
    app.config["STRIPE_MAX_RETRIES"] = 0
    app.extensions.pop("stripe_client", None)  # the client is built from config once
    sandbox.control.fault("/v1/refunds", mode="error_after", count=1, method="POST")


def test_a_refund_stripe_did_not_answer_is_made_once_when_sent_again(
    boss, paid_order, answer_lost, stripe_api
):
    form = {**refund_form(boss, paid_order), "amount": "10.00"}
    first = send(boss, paid_order, form)
    html = unescape(first.get_data(as_text=True))
    assert first.status_code == 400 and "so the refund may have been made" in html
    assert f'value="{form["request_key"]}"' in html  # sending it again is the same request

    again = send(boss, paid_order, form, follow_redirects=True)

    assert "Refund of $10.00: succeeded." in again.get_data(as_text=True)
    assert len(stripe_api.v1.refunds.list({"limit": 10})["data"]) == 1
    assert reload(paid_order).amount_refunded_minor == 1000


def test_a_refund_stripe_did_not_answer_whose_webhook_landed_is_found_when_sent_again(
    boss, paid_order, answer_lost, stripe_api, deliver
):
    form = {**refund_form(boss, paid_order), "amount": "10.00"}
    assert send(boss, paid_order, form).status_code == 400
    [made] = stripe_api.v1.refunds.list({"limit": 10})["data"]
    assert deliver("refund.created", made.id) == (200, "processed")  # the shop now knows it

    again = send(boss, paid_order, form)

    assert (f"This form already asked for a refund of $10.00 ({made.id}), so nothing new was"
            " refunded." in unescape(again.get_data(as_text=True)))
    assert [r.id for r in stripe_api.v1.refunds.list({"limit": 10})["data"]] == [made.id]
    assert reload(paid_order).amount_refunded_minor == 1000


def test_a_lost_answer_then_another_amount_refunds_nothing_new_and_says_what_was_made(
    boss, paid_order, answer_lost, stripe_api
):
    form = {**refund_form(boss, paid_order), "amount": "10.00"}
    assert send(boss, paid_order, form).status_code == 400
    [made] = stripe_api.v1.refunds.list({"limit": 10})["data"]  # Stripe made it

    # The admin, told to send the form again, changes the amount first.
    again = send(boss, paid_order, {**form, "amount": "12.00"})

    text = re.sub(r"<[^>]+>", "", unescape(again.get_data(as_text=True)))
    assert again.status_code == 400
    assert (f"This form already asked for a refund of $10.00 ({made.id}), so nothing new was"
            " refunded." in text)
    assert [r.id for r in stripe_api.v1.refunds.list({"limit": 10})["data"]] == [made.id]
    assert reload(paid_order).amount_refunded_minor == 1000  # the refund made is stored
    assert "Up to $15.00 is left to refund" in text  # the form as it is now

    # The form as shown now is a new request: sent, it makes the refund asked for.
    shown = refund_form_in(again.get_data(as_text=True), paid_order)
    assert shown["request_key"] != form["request_key"]
    assert send(boss, paid_order, {**shown, "amount": "12.00"}).status_code == 302
    assert sorted(r.amount for r in stripe_api.v1.refunds.list({"limit": 10})["data"]) == [
        1000, 1200]
    assert reload(paid_order).amount_refunded_minor == 2200


def test_the_same_form_a_day_later_finds_its_refund_at_stripe(
    boss, paid_order, answer_lost, sandbox, stripe_api
):
    form = {**refund_form(boss, paid_order), "amount": "10.00"}
    assert send(boss, paid_order, form).status_code == 400
    sandbox.control.advance(25 * 3600)  # Stripe has forgotten the idempotency key

    again = send(boss, paid_order, form, follow_redirects=True)

    assert "Refund of $10.00: succeeded." in again.get_data(as_text=True)
    assert len(stripe_api.v1.refunds.list({"limit": 10})["data"]) == 1
    assert reload(paid_order).amount_refunded_minor == 1000


def test_a_stale_full_refund_form_says_why_though_nothing_is_left(boss, paid_order,
                                                                  stripe_api):
    this_tab, other_tab = refund_form(boss, paid_order), refund_form(boss, paid_order)
    send(boss, paid_order, other_tab)  # all of it

    response = send(boss, paid_order, this_tab)

    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert ('role="alert">Only paid orders can be refunded; this one is refunded.</p>'
            in html)
    assert len(stripe_api.v1.refunds.list({"limit": 10})["data"]) == 1


def test_a_refund_form_sent_without_its_key_is_refused(boss, paid_order, stripe_api):
    form = {**refund_form(boss, paid_order), "amount": "10.00"}
    del form["request_key"]
    response = send(boss, paid_order, form)
    assert response.status_code == 400
    assert "This form is out of date: reload the page." in response.get_data(as_text=True)
    assert stripe_api.v1.refunds.list({"limit": 10})["data"] == []


def test_a_refund_made_elsewhere_is_never_taken_for_the_commands_own(
    app, runner, paid_order, stripe_api, deliver
):
    # Someone copies the command's metadata onto a refund of their own, of $3.00.
    other = stripe_api.v1.refunds.create({
        "payment_intent": paid_order.payments[0].intent_id, "amount": 300,
        "metadata": {"request_key": "cli-500-0", "requested_by": "x\x00@example.com"}})
    assert deliver("refund.created", other.id) == (200, "processed")

    result = runner.invoke(args=["refund", paid_order.number, "--amount", "5.00"])

    assert result.exit_code == 0, result.output
    amounts = sorted(r.amount for r in stripe_api.v1.refunds.list({"limit": 10})["data"])
    assert amounts == [300, 500]
    assert reload(paid_order).amount_refunded_minor == 800


def test_flask_refund_run_again_after_a_lost_answer_refunds_once(
    app, runner, paid_order, answer_lost, stripe_api
):
    lost = runner.invoke(args=["refund", paid_order.number, "--amount", "5.00"])
    assert lost.exit_code != 0
    assert "Stripe did not answer (" in lost.output and "Run the same command again" in lost.output

    again = runner.invoke(args=["refund", paid_order.number, "--amount", "5.00"])

    assert again.exit_code == 0, again.output
    assert len(stripe_api.v1.refunds.list({"limit": 10})["data"]) == 1
    assert reload(paid_order).amount_refunded_minor == 500
    second = runner.invoke(args=["refund", paid_order.number, "--amount", "5.00"])
    assert second.exit_code == 0  # the refund is recorded: a new run is a new refund
    assert len(stripe_api.v1.refunds.list({"limit": 10})["data"]) == 2


def test_flask_refund_run_again_after_its_webhook_landed_still_refunds_once(
    app, runner, paid_order, answer_lost, stripe_api, deliver
):
    assert runner.invoke(args=["refund", paid_order.number, "--amount", "5.00"]).exit_code
    [made] = stripe_api.v1.refunds.list({"limit": 10})["data"]
    assert deliver("refund.created", made.id) == (200, "processed")  # the shop now knows it

    again = runner.invoke(args=["refund", paid_order.number, "--amount", "5.00"])

    assert again.exit_code == 0, again.output
    assert [r.id for r in stripe_api.v1.refunds.list({"limit": 10})["data"]] == [made.id]
    assert reload(paid_order).amount_refunded_minor == 500


def test_flask_refund_with_an_empty_amount_refunds_nothing(app, runner, paid_order, stripe_api):
    result = runner.invoke(args=["refund", paid_order.number, "--amount", ""])
    assert result.exit_code != 0 and "Enter an amount such as 12.50." in result.output
    assert stripe_api.v1.refunds.list({"limit": 10})["data"] == []
    assert reload(paid_order).amount_refunded_minor == 0


@pytest.mark.parametrize("typed", ["12,50", "12 ¢", "(5)", "\u221210"])
def test_an_amount_that_could_be_misread_is_refused_not_guessed(boss, paid_order, stripe_api,
                                                                 typed):
    form = {**refund_form(boss, paid_order), "amount": typed}
    response = send(boss, paid_order, form)
    assert response.status_code == 400
    assert "Enter an amount such as 12.50." in response.get_data(as_text=True)
    assert stripe_api.v1.refunds.list({"limit": 10})["data"] == []


def test_cancelling_a_pending_order_releases_stock(boss, shopper, make_product, stripe_api):
    teapot = make_product(price_minor=2800, stock=3)
    order = shopper.checkout((teapot, 2))
    intent = shopper.start(order).get_json()
    assert db.session.get(Product, teapot.id).stock == 1
    page = boss.get(f"/admin/orders/{order.number}")
    response = boss.post(f"/admin/orders/{order.number}/cancel",
                         data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    order = reload(order)
    assert order.status == "canceled"
    assert db.session.get(Product, teapot.id).stock == 3
    assert stripe_api.v1.payment_intents.retrieve(intent["intent_id"])["status"] == "canceled"
    assert f"{ADMIN[0]} asked to cancel the order; it is now canceled." in timeline(order)


def test_a_cancel_stripe_did_not_answer_says_it_may_have_happened(
    app, boss, shopper, make_product, sandbox, stripe_api
):
    order = shopper.checkout((make_product(price_minor=2800), 1))
    intent_id = shopper.start(order).get_json()["intent_id"]
    app.config["STRIPE_MAX_RETRIES"] = 0
    app.extensions.pop("stripe_client", None)  # the client is built from config once
    sandbox.control.fault(f"/v1/payment_intents/{intent_id}/cancel", mode="error_after",
                          count=1, method="POST")  # Stripe cancels; its answer is lost
    page = boss.get(f"/admin/orders/{order.number}")

    response = boss.post(f"/admin/orders/{order.number}/cancel",
                         data={"csrf_token": csrf_token_from(page.get_data(as_text=True))},
                         follow_redirects=True)

    html = unescape(response.get_data(as_text=True))
    assert "Stripe did not answer, so the payment may have been cancelled there." in html
    assert "your order is saved" not in html  # the customers' words, not the admin's
    assert stripe_api.v1.payment_intents.retrieve(intent_id)["status"] == "canceled"
    assert reload(order).status == "pending"  # until Sync, or its webhook, says so


def paid_with(shopper, make_product, payment_method):
    order = shopper.checkout((make_product(price_minor=2500), 1), email="bo@example.com")
    _, error, _ = shopper.pay(order, payment_method)
    assert error is None
    return reload(order)


def sync_from_stripe(boss, order):
    token = csrf_token_from(boss.get(f"/admin/orders/{order.number}").get_data(as_text=True))
    boss.post(f"/admin/orders/{order.number}/sync", data={"csrf_token": token})


def test_a_refund_form_sent_again_after_the_refund_went_through_changes_nothing(
    boss, shopper, make_product, sandbox
):
    order = paid_with(shopper, make_product, "pm_card_pendingRefund")  # refunds start pending
    data = {**refund_form(boss, order), "amount": "10.00"}
    send(boss, order, data)
    assert reload(order).status == "paid"  # nothing refunded yet
    sandbox.control.advance(3600)  # Stripe completes the refund
    sync_from_stripe(boss, order)
    assert (reload(order).status, reload(order).amount_refunded_minor) == (
        "partially_refunded", 1000)

    # The same form again finds the refund it made, now succeeded.
    send(boss, order, data)

    order = reload(order)
    assert (order.status, order.amount_refunded_minor) == ("partially_refunded", 1000)
    assert db.session.execute(db.select(Refund.status)).scalars().all() == ["succeeded"]


def test_sync_tells_of_a_refund_that_changed_nothing_else_yet(
    boss, shopper, make_product, stripe_api
):
    order = paid_with(shopper, make_product, "pm_card_pendingRefund")  # refunds start pending
    refund = stripe_api.v1.refunds.create({"payment_intent": order.payments[0].intent_id})

    token = csrf_token_from(boss.get(f"/admin/orders/{order.number}").get_data(as_text=True))
    response = boss.post(f"/admin/orders/{order.number}/sync", data={"csrf_token": token},
                         follow_redirects=True)

    html = unescape(response.get_data(as_text=True))
    assert f"Synced with Stripe: refund {refund.id} pending (new)." in html
    assert "nothing had changed" not in html
    assert reload(order).status == "paid"  # a pending refund has refunded nothing yet


def test_the_refund_form_offers_only_what_pending_refunds_leave(
    boss, shopper, make_product, stripe_api
):
    order = paid_with(shopper, make_product, "pm_card_pendingRefund")  # refunds start pending
    send(boss, order, {**refund_form(boss, order), "amount": "10.00"})
    assert reload(order).status == "paid"  # nothing refunded yet

    form = refund_form(boss, order)
    assert form["amount"] == "15.00"  # Stripe already counts the pending $10.00 as taken
    html = unescape(boss.get(f"/admin/orders/{order.number}").get_data(as_text=True))
    text = re.sub(r"<[^>]+>", "", html)
    assert "Up to $15.00 is left to refund (in USD); $10.00 is in refunds still pending" in text

    send(boss, order, form)  # the rest, as offered
    refunds = stripe_api.v1.refunds.list({"payment_intent": order.payments[0].intent_id})
    assert sorted(r.amount for r in refunds.data) == [1000, 1500]


def test_a_refund_that_fails_later_leaves_the_order_paid_on_its_day(
    boss, shopper, make_product, sandbox
):
    order = paid_with(shopper, make_product, "pm_card_refundFail")  # refunds fail later
    paid_at = order.paid_at
    send(boss, order, refund_form(boss, order))
    assert reload(order).status == "refunded"
    sandbox.control.advance(3600)  # the refund fails at Stripe

    sync_from_stripe(boss, order)

    order = reload(order)
    assert (order.status, order.amount_refunded_minor) == ("paid", 0)
    assert order.paid_at == paid_at  # its revenue stays on the day it was paid
    entries = timeline(order)
    assert entries.index(EXPIRED_CARD_REFUND) < entries.index("Refunded $0.00 of $25.00.")


def test_an_older_copy_of_a_refund_that_failed_since_does_not_bring_it_back(
    app, boss, shopper, make_product, sandbox, stripe_api
):
    order = paid_with(shopper, make_product, "pm_card_refundFail")  # refunds fail later
    send(boss, order, refund_form(boss, order))
    [made] = stripe_api.v1.refunds.list({"payment_intent": order.payments[0].intent_id}).data
    as_first_told = made.to_dict()  # what Stripe said before the bank returned it
    assert as_first_told["status"] == "succeeded"
    sandbox.control.advance(3600)  # the refund fails at Stripe
    sync_from_stripe(boss, order)
    assert reload(order).status == "paid"

    # The older copy reaches the shop only now (a list read before the failure, a replay).
    with app.test_request_context():
        refunds.sync_refund(as_first_told)
        db.session.commit()

    order = reload(order)
    assert (order.status, order.amount_refunded_minor) == ("paid", 0)
    assert db.session.execute(db.select(Refund.status)).scalars().all() == ["failed"]
    assert EXPIRED_CARD_REFUND in timeline(order)


def test_a_refund_whose_event_lands_first_still_names_the_admin(
    admin, paid_order, stripe_api, deliver
):
    intent_id = paid_order.payments[0].intent_id
    # What the refund form sends Stripe; Stripe's refund.created reaches the shop first.
    refund = stripe_api.v1.refunds.create({"payment_intent": intent_id, "amount": 500,
                                           "metadata": {"requested_by": ADMIN[0]}})
    assert deliver("refund.created", refund.id) == (200, "processed")

    order = reload(paid_order)
    assert f"Refund of $5.00 requested by {ADMIN[0]}." in timeline(order)
    assert db.session.execute(db.select(Refund.requested_by_id)).scalar_one() == admin.id


def test_a_charged_back_order_cannot_be_refunded_again(boss, paid_order, sandbox, stripe_api):
    sandbox.control.create_dispute(paid_order.payments[0].intent_id, reason="fraudulent")

    response = send(boss, paid_order, refund_form(boss, paid_order), follow_redirects=True)

    assert "has been charged back; cannot issue a refund." in response.get_data(as_text=True)
    order = reload(paid_order)
    assert (order.status, order.amount_refunded_minor) == ("paid", 0)
    assert db.session.execute(db.select(db.func.count(Refund.id))).scalar_one() == 0


def test_an_emptied_amount_comes_back_empty_not_refilled_with_everything(
    boss, paid_order, stripe_api
):
    form = {**refund_form(boss, paid_order), "amount": ""}
    response = send(boss, paid_order, form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter an amount." in html
    assert re.search(r'<input[^>]*id="amount"[^>]*value=""', html)
    assert stripe_api.v1.refunds.list({"limit": 10})["data"] == []


def test_a_known_chargeback_hides_the_refund_form_and_says_why(
    boss, paid_order, sandbox, stripe_api, deliver, runner
):
    dispute = sandbox.control.create_dispute(paid_order.payments[0].intent_id)
    assert deliver("charge.dispute.created", dispute["id"]) == (200, "processed")

    html = unescape(boss.get(f"/admin/orders/{paid_order.number}").get_data(as_text=True))
    assert "This payment is charged back (see Disputes)" in html
    assert f'action="/admin/orders/{paid_order.number}/refund"' not in html
    dry = runner.invoke(args=["refund", paid_order.number, "--dry-run"])
    assert dry.exit_code != 0 and "charged back" in dry.output
    real = runner.invoke(args=["refund", paid_order.number])
    assert real.exit_code != 0 and "charged back (see Disputes)" in real.output
    assert stripe_api.v1.refunds.list({"limit": 10})["data"] == []
