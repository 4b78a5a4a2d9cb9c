"""`flask refund ORDER [--amount 12.50] [--reason ...] [--dry-run]`: the admin page's refund."""

import click
from flask import Flask, current_app

from shop.cli import ShopCommand
from shop.extensions import db
from shop.models import Order, OrderEvent
from shop.money import MoneyError, format_money, parse_amount
from shop.services import orders, refunds
from shop.services.orders import OrderError
from shop.services.stripe_client import PaymentsError, PaymentsUnavailable


def _money(amount_minor: int, currency: str) -> str:
    return format_money(amount_minor, currency, current_app.config["SHOP_LOCALE"])


def _refunds_made_here(order: Order) -> int:
    """Refunds this command has recorded on the order. Unlike the order's refunds, a
    webhook cannot add to them: a refund whose answer was lost is not counted until
    the command runs again and records it."""
    return db.session.execute(
        db.select(db.func.count(OrderEvent.id)).where(
            OrderEvent.order_id == order.id,
            OrderEvent.kind == "admin_refund",
            OrderEvent.actor == COMMAND_LINE,
        )
    ).scalar_one()


COMMAND_LINE = "command line"


@click.command("refund", cls=ShopCommand)
@click.argument("number")
@click.option("--amount", help="Amount in the order's currency, e.g. 12.50 (default: all left).")
@click.option("--reason", type=click.Choice(refunds.REASONS), help="Stripe's refund reason.")
@click.option("--dry-run", is_flag=True, help="Print what would be refunded; change nothing.")
def refund_command(number: str, amount: str | None, reason: str | None, dry_run: bool) -> None:
    """Refund all or part of order NUMBER through Stripe."""
    order = orders.find_order(number.strip().upper())
    if order is None:
        raise click.ClickException(f"No order {number}.")
    locale = current_app.config["SHOP_LOCALE"]
    try:
        # An empty --amount (an unset variable in a script) is refused, not "all left".
        amount_minor = (
            order.refundable_minor if amount is None
            else parse_amount(amount, order.currency, locale)
        )
    except MoneyError as error:
        raise click.BadParameter(str(error), param_hint="--amount") from None
    what = f"{_money(amount_minor, order.currency)} of order {order.number}"
    if dry_run:
        what += f" ({_money(order.refundable_minor, order.currency)} left to refund)"
        try:
            refunds.check_request(order, amount_minor, reason, None)
        except OrderError as error:
            raise click.ClickException(f"Would not refund {what}: {error}") from None
        click.echo(f"Would refund {what}, reason: {reason or 'none'}. Nothing was changed.")
        return
    # The same command run again after Stripe's answer was lost (a timeout) is the same
    # request and refunds once, even if the refund's webhook landed meanwhile; once this
    # command has recorded a refund, the next run is a new one.
    request_key = f"cli-{amount_minor}-{_refunds_made_here(order)}"
    try:
        refund = refunds.request_refund(
            order, amount_minor, reason, requested_by=None, request_key=request_key
        )
    except PaymentsUnavailable as error:
        db.session.rollback()
        raise click.ClickException(
            f"Stripe did not answer ({error.operator_message}), so the refund may have been"
            " made. Run the same command again: it asks for the same refund, never a second."
        ) from None
    except (PaymentsError, OrderError) as error:
        db.session.rollback()
        raise click.ClickException(getattr(error, "message", None) or str(error)) from None
    orders.record(
        order,
        "admin_refund",
        f"Refund of {_money(amount_minor, order.currency)} requested from the command line.",
        actor=COMMAND_LINE,
        key=f"refund:{refund.stripe_refund_id}:cli",
    )
    db.session.commit()
    # What is left once this refund is counted (pending ones too, as Stripe counts them).
    left = _money(order.refundable_minor, order.currency)
    click.echo(f"Refund {refund.stripe_refund_id}: {what}, {refund.status} ({left} left to"
               " refund).")
    click.echo(f"Order {order.number} is now {order.status}.")


def register(app: Flask) -> None:
    app.cli.add_command(refund_command)
