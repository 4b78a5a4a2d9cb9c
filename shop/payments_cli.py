"""Payment commands: `flask orders expire`, `flask orders rollup`, `flask stripe reconcile`,
`flask stripe events reprocess`, `flask stripe events handled`, and `flask stripe-sandbox`
(the sandbox's own command)."""

import contextlib
import logging
import re
import sys
from datetime import timedelta

import click

from shop.cli import ShopGroup
from shop.extensions import db
from shop.models import StripeEvent, utcnow
from shop.services import cancellation, order_rollup, reconcile, stripe_client, webhooks
from stripe_sandbox import cli as sandbox_cli

orders_cli = ShopGroup("orders", help="Order housekeeping.")
stripe_cli = ShopGroup("stripe", help="Keep the shop in step with Stripe.")
events_cli = ShopGroup("events", help="The webhook inbox.")
stripe_cli.add_command(events_cli)


# For cron, which mails whatever a command prints: a run that needed nobody prints nothing.
quiet_option = click.option(
    "--quiet", "-q", is_flag=True,
    help="Print only what needs a person (what was left undone and why), nothing routine.",
)


@contextlib.contextmanager
def routine_log_lines_off(quiet: bool):
    """With --quiet, the payment log's line per order handled (on stderr, mailed by cron)
    is routine too; its warnings still show."""
    logger = logging.getLogger("shop.payments")
    level = logger.level
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def parse_since(text: str) -> timedelta:
    """'7d', '12h' or '30m' → a timedelta."""
    match = re.fullmatch(r"(\d{1,5})([dhm])", text.strip())
    if not match:
        raise click.BadParameter("use a number and d, h or m, e.g. 7d")
    unit = {"d": "days", "h": "hours", "m": "minutes"}[match[2]]
    return timedelta(**{unit: int(match[1])})


@orders_cli.command("expire")
@quiet_option
def expire(quiet: bool) -> None:
    """Cancel pending orders whose stock reservation ran out (cancels their intents first)."""
    expired = cancellation.expired_orders()
    failed = tried = 0
    with routine_log_lines_off(quiet):
        for order in expired:
            tried += 1
            try:
                order = cancellation.expire_order(order)
            except stripe_client.PaymentsError as error:
                db.session.rollback()
                failed += 1
                click.echo(f"{order.number}: left pending ({error.operator_message})", err=True)
                if isinstance(error, stripe_client.PaymentsUnavailable):
                    # Each order would wait out every retry with its row locked, and runs
                    # would overlap: the next run goes on, as reconcile's does.
                    break
                continue
            db.session.commit()
            if not quiet:
                click.echo(f"{order.number}: {order.status}")
    untried = len(expired) - tried
    if untried:
        click.echo(f"Stopped early, a call to Stripe failed: {untried} more expired order(s)"
                   " left for the next run.", err=True)
    left = failed + untried
    if left or not quiet:
        click.echo(f"{len(expired) - left} expired order(s) handled, {left} left pending.")
    if left:
        raise SystemExit(1)  # cron and monitoring see it; the next run tries them again


@orders_cli.command("rollup")
@click.option("--check", is_flag=True, help="Only report rows that differ; change nothing.")
def rollup(check: bool) -> None:
    """Recount the order rollup behind the admin history's totals from the orders.

    Needed after loading orders with raw SQL; safe to run at any time.
    """
    connection = db.session.connection()
    drifted = order_rollup.drift(connection)
    for (day, currency, status, disputed), (count, total, refunded) in drifted[:20]:
        dispute = " dispute open" if disputed else ""
        click.echo(f"{day} {currency} {status}{dispute}: the orders have {count:+} order(s), "
                   f"{total:+} total, {refunded:+} refunded (minor units) against the rollup")
    if check:
        click.echo(f"{len(drifted)} rollup row(s) differ from the orders.")
        if drifted:
            raise SystemExit(1)
        return
    rows = order_rollup.rebuild(connection)
    db.session.commit()
    click.echo(f"Order rollup rebuilt: {rows} row(s); {len(drifted)} had differed.")


@stripe_cli.command("reconcile")
@click.option(
    "--since",
    "since",
    default="7d",
    show_default=True,
    help="How far back to ask Stripe about intents, refunds and disputes.",
)
@quiet_option
def reconcile_command(since: str, quiet: bool) -> None:
    """Re-sync unsettled orders (unpaid, a dispute open, a refund pending) and recent
    intents, refunds and disputes from Stripe."""
    start = utcnow() - parse_since(since)
    changes: list[str] = []
    skipped: list[str] = []
    units = reconcile.reconcile(start)
    show_progress = sys.stdout.isatty() and not quiet
    if show_progress:
        units = click.progressbar(units, label="Reconciling", show_pos=True)
    stopped = None
    with (units if show_progress else contextlib.nullcontext(units)) as progress, \
            routine_log_lines_off(quiet):
        try:
            for change in progress:
                db.session.commit()  # each unit's changes, and its order's lock released
                if isinstance(change, reconcile.Skipped):
                    skipped.append(change)
                elif change:
                    changes.append(change)
        except stripe_client.PaymentsError as error:
            db.session.rollback()
            stopped = error.operator_message
    if not quiet:
        # Done already: what reconcile repaired needs nobody.
        for change in changes:
            click.echo(change)
        click.echo(f"{len(changes)} change(s).")
    for line in skipped:
        click.echo(f"Skipped {line}", err=True)
    if stopped:
        # What was synced before Stripe stopped answering is kept; the next run goes on.
        click.echo(f"Stopped early, a call to Stripe failed: {stopped}", err=True)
        raise SystemExit(1)


@events_cli.command("reprocess")
@click.option("--failed", "only_failed", is_flag=True, help="Only events that failed.")
@click.option("--all", "every_event", is_flag=True, help="Every stored event, ignored ones too.")
@click.argument("event_ids", nargs=-1)
def reprocess(only_failed: bool, every_event: bool, event_ids: tuple[str, ...]) -> None:
    """Run stored webhook events through their handlers again: EVENT_IDs, --failed, or --all."""
    if not (only_failed or event_ids or every_event):
        # The whole inbox is a Stripe call per event over the shop's history: asked for
        # by name only.
        raise click.UsageError("Name events, or pass --failed or --all.")
    query = db.select(StripeEvent).order_by(StripeEvent.received_at)
    if only_failed:
        query = query.where(StripeEvent.status == "failed")
    if event_ids:
        query = query.where(StripeEvent.id.in_(event_ids))
    ids = [event.id for event in db.session.execute(query).scalars()]
    unknown = sorted(set(event_ids) - set(ids))
    if unknown and not only_failed:
        raise click.ClickException(f"Not in the inbox: {', '.join(unknown)}. Nothing was run.")
    outcomes = []
    for event_id in ids:
        _, outcome = webhooks.reprocess(db.session.get(StripeEvent, event_id))
        outcomes.append(outcome)
        if outcome == "failed":  # why, as the inbox keeps it: what to fix before the next try
            error = db.session.get(StripeEvent, event_id).last_error
            click.echo(f"{event_id}: failed ({error})", err=True)
        else:
            click.echo(f"{event_id}: {outcome}")
    failed = outcomes.count("failed")
    click.echo(f"{len(ids)} event(s) reprocessed, {failed} failed again.")
    if failed:
        raise SystemExit(1)


@events_cli.command("handled")
def handled() -> None:
    """Print the event types the shop handles, one a line: the events to enable on the
    Stripe webhook endpoint."""
    for event_type in webhooks.handled_event_types():
        click.echo(event_type)


COMMANDS = (orders_cli, stripe_cli, sandbox_cli.flask_command())
