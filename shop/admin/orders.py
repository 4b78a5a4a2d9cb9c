"""Order history, the order page, and the actions on an order: refund, cancel, sync, and
marking a failed refund as paid back another way."""

import csv
import io
from collections.abc import Iterable, Iterator

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import selectinload

from shop.admin.blueprint import bp
from shop.admin.forms import ActionForm, HistoryFilterForm, RefundForm, query_args
from shop.extensions import db
from shop.models import Order, OrderEvent, Refund, utcnow
from shop.money import amount_text
from shop.services import (
    cancellation,
    failed_refunds,
    order_history,
    orders,
    reconcile,
    refunds,
    reports,
    stripe_client,
)
from shop.services.order_history import Cursor
from shop.services.orders import OrderError
from shop.services.stripe_client import PaymentsError, PaymentsUnavailable
from shop.web.templating import money

CANCEL_UNANSWERED = (
    "Stripe did not answer, so the payment may have been cancelled there. Sync the order"
    " with Stripe to see, or cancel again: it asks Stripe for the same cancellation."
)
REFUND_UNANSWERED = (
    "Stripe did not answer, so the refund may have been made. Send the form again: it"
    " asks for the same refund and cannot refund twice."
)


def _load_order(number: str) -> Order:
    """The order with everything its page shows, in a fixed few queries; 404 if unknown."""
    order = db.session.execute(
        db.select(Order)
        .where(Order.number == number.upper())
        .options(
            selectinload(Order.lines),
            selectinload(Order.payments),
            selectinload(Order.refunds),
            selectinload(Order.disputes),
            selectinload(Order.events),
            selectinload(Order.user),
        )
    ).scalar_one_or_none()
    if order is None:
        abort(404)
    return order


def _admin():
    """The signed-in admin as a User row (services get a model, not a proxy)."""
    return current_user._get_current_object()


def _record_action(order: Order, kind: str, what: str) -> None:
    """Put an admin's action on the order's timeline, saying who did it."""
    orders.record(order, kind, f"{current_user.email} {what}", actor=current_user.email,
                  actor_user=_admin())


def _render_order(order: Order, refund_form: RefundForm, status: int = 200):
    # A fresh form offers what is left; one sent back keeps what the admin typed, even
    # nothing: an emptied amount refilled with everything would be one click from a
    # full refund, beside an error saying to enter an amount.
    if request.method == "GET" and order.refundable_minor > 0:
        refund_form.amount.data = amount_text(order.refundable_minor, order.currency,
                                              current_app.config["SHOP_LOCALE"])
    refund_form.left_seen.data = str(order.refundable_minor)  # what this page shows
    elsewhere = _refunded_elsewhere(order)
    page = render_template(
        "admin/order.html",
        order=order,
        refund_form=refund_form,
        can_refund=order.status in refunds.REFUNDABLE and order.refundable_minor > 0
        and not order.charged_back,
        charged_back=order.charged_back and refunds.CHARGED_BACK,
        can_cancel=order.status in ("pending", "processing"),
        # Failed refunds still counted on the dashboard (never one a dispute still decides),
        # which an admin may mark as paid back another way; asked for only when one failed.
        unsettled=reports.failed_refunds_left_on(order)
        if any(refund.status == "failed" for refund in order.refunds) else set(),
        refunded_elsewhere=elsewhere,
        refunded_elsewhere_minor=sum(refund.amount_minor for refund in order.refunds
                                     if refund.id in elsewhere),
        dashboard_url=stripe_client.dashboard_url,
        now=utcnow(),
    )
    return page, status


def _refunded_elsewhere(order: Order) -> dict[int, OrderEvent]:
    """The order's failed refunds an admin marked as refunded another way, by refund id,
    with the timeline entry that says who and when."""
    marks = {event.key: event for event in order.events
             if event.kind == failed_refunds.SETTLED_ELSEWHERE}
    return {refund.id: marks[key] for refund in order.refunds
            if (key := failed_refunds.settled_elsewhere_key(refund.stripe_refund_id)) in marks}


@bp.get("/orders")
def order_list():
    form = HistoryFilterForm(formdata=request.args)
    filters = form.to_filter()
    history = order_history.page(
        filters,
        after=Cursor.decode(request.args.get("after")),
        before=Cursor.decode(request.args.get("before")),
        per_page=current_app.config.get("ADMIN_ORDERS_PER_PAGE", 25),
    )
    filter_args = query_args(form, request.args)
    return render_template(
        "admin/orders.html",
        form=form,
        history=history,
        summary=order_history.summarize(filters),
        filter_args=filter_args,
    )


def _csv_text(rows: Iterable[list[str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


@bp.get("/orders.csv")
def order_csv():
    """The filtered history as CSV, streamed row by row from a server-side cursor."""
    filters = HistoryFilterForm(formdata=request.args).to_filter()
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    return Response(
        stream_with_context(_csv_text(order_history.csv_rows(filters))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="orders-{stamp}.csv"'},
    )


@bp.get("/orders/<number>")
def order_detail(number: str):
    order = _load_order(number)
    return _render_order(order, RefundForm(order.currency))


@bp.post("/orders/<number>/refund")
def refund_order(number: str):
    order = _load_order(number)
    form = RefundForm(order.currency)
    if not form.validate_on_submit():
        return _render_order(order, form, 400)
    if form.confirmed.data != "yes":
        return _confirm_refund(order, form)
    try:
        refund = refunds.request_refund(
            order,
            form.amount_minor,
            form.reason.data or None,
            requested_by=_admin(),
            request_key=form.request_key.data,
            left_seen=form.left_seen_minor,
        )
    except PaymentsUnavailable:
        # Stripe may have made the refund before its answer was lost. The form keeps
        # its key, so sending it again asks for the same refund, never a second one.
        db.session.rollback()
        form.form_errors.append(REFUND_UNANSWERED)
        return _render_order(_load_order(number), form, 400)
    except (PaymentsError, OrderError) as error:
        if isinstance(error, refunds.FormAlreadyUsed):
            db.session.commit()  # the refund the form made, now stored
        else:
            db.session.rollback()
        form.renew_key()  # nothing new was made: a corrected form is a new request
        form.add_error(error)
        return _render_order(_load_order(number), form, 400)
    db.session.commit()
    return _refunded(order, refund)


def _refunded(order: Order, refund: Refund):
    flash(f"Refund of {money(refund.amount_minor, refund.currency)}: {refund.status}.", "success")
    return redirect(url_for("admin.order_detail", number=order.number))


def _confirm_refund(order: Order, form: RefundForm):
    """The refund as it would be made, for the admin to confirm: a refund cannot be
    taken back. Checked first, so that a refusal shows beside the form."""
    made = refunds.stored_refund(order, form.request_key.data)
    if made is not None:  # sent again once its refund was made: Back, or a lost answer
        form.renew_key()
        form.add_error(refunds.FormAlreadyUsed(made, order))
        return _render_order(order, form, 400)
    try:
        refunds.check_request(order, form.amount_minor, form.reason.data or None,
                              form.left_seen_minor)
    except OrderError as error:
        form.add_error(error)
        return _render_order(order, form, 400)
    form.confirmed.data = "yes"
    return render_template("admin/refund_confirm.html", order=order, form=form,
                           payment=refunds.paid_payment(order),
                           reason=dict(form.reason.choices).get(form.reason.data))


@bp.post("/orders/<number>/cancel")
def cancel_order(number: str):
    order = _load_order(number)
    if ActionForm().validate_on_submit():
        try:
            order = cancellation.cancel_order(order, actor=current_user.email)
        except PaymentsUnavailable:
            db.session.rollback()
            flash(CANCEL_UNANSWERED, "error")
        except (PaymentsError, OrderError) as error:
            db.session.rollback()
            flash(getattr(error, "message", None) or str(error), "error")
        else:
            _record_action(order, "admin_cancel", f"asked to cancel the order; it is now "
                           f"{order.status}.")
            db.session.commit()
            flash(f"Order {order.number} is now {order.status}.", "success")
    return redirect(url_for("admin.order_detail", number=number))


@bp.post("/orders/<number>/sync")
def sync_order(number: str):
    order = _load_order(number)
    if ActionForm().validate_on_submit():
        try:
            changes = reconcile.reconcile_order(order)
        except PaymentsError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("admin.order_detail", number=number))
        # On the order's own page, its number before each change says nothing.
        summary = "; ".join(change.removeprefix(f"{order.number}: ") for change in changes
                            ) if changes else "nothing had changed"
        _record_action(order, "admin_sync", f"synced the order with Stripe: {summary}.")
        db.session.commit()
        flash(f"Synced with Stripe: {summary}.", "success")
    return redirect(url_for("admin.order_detail", number=number))


@bp.post("/orders/<number>/refunds/<stripe_refund_id>/settled")
def settle_refund_elsewhere(number: str, stripe_refund_id: str):
    """An admin's word that a failed refund was paid back another way (bank transfer,
    cash), so that it leaves the dashboard; 404 for a refund not of this order."""
    order = _load_order(number)
    refund = next((r for r in order.refunds if r.stripe_refund_id == stripe_refund_id), None)
    if refund is None:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            written = failed_refunds.mark_settled_elsewhere(order, refund, by=_admin())
        except OrderError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            which = (f"Refund of {money(refund.amount_minor, refund.currency)}"
                     f" ({refund.stripe_refund_id})")
            if written:
                flash(f"{which} marked as refunded another way.", "success")
            else:
                flash(f"{which} was already marked as refunded another way; nothing changed.",
                      "info")
    return redirect(url_for("admin.order_detail", number=number))
