"""Command line: ``python -m stripe_sandbox`` (argparse) and a ``flask`` command."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from .webhooks import ALL_EVENTS, check_enabled_events

DESCRIPTION = """\
Run the offline Stripe sandbox: a stateful, in-memory Stripe API (/v1), a Stripe.js
stand-in (/v3/) and signed webhooks sent to --forward-to (only the --events types, as
a Stripe webhook endpoint sends only its enabled events). Point the stripe SDK at it
with StripeClient("sk_test_anything", base_addresses={"api": "http://HOST:PORT"}).
Any sk_test_... key is a secret key, any pk_test_... key a publishable key.
The control API lives under /_sandbox/ (reset, config, deliveries, webhooks, faults,
clock/advance, wait, trigger, disputes, authenticate, settle)."""


def event_types(text: str) -> list[str]:
    """``--events a,b``: the comma-separated event types to send, or ``*`` for all."""
    try:
        return check_enabled_events([part.strip() for part in text.split(",")])
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("enabled_events: ")) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m stripe_sandbox", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to listen on (default: %(default)s; keep it on loopback)")
    parser.add_argument("--port", type=int, default=12111,
                        help="TCP port to listen on (default: %(default)s)")
    parser.add_argument("--forward-to", metavar="URL", default=None,
                        help="URL that receives each event (of the --events types) as a "
                             "signed webhook POST, e.g. "
                             "http://127.0.0.1:5000/webhooks/stripe (default: none; events "
                             "are still listed by GET /v1/events)")
    parser.add_argument("--events", metavar="TYPE[,TYPE...]", type=event_types,
                        default=list(ALL_EVENTS),
                        help="event types to send to --forward-to, as `stripe listen "
                             "--events` and a Stripe endpoint's enabled events, e.g. "
                             "payment_intent.succeeded,charge.refunded; events of other types "
                             "are still listed by GET /v1/events (default: * for all)")
    parser.add_argument("--webhook-secret", metavar="WHSEC", default="whsec_sandbox",
                        help="signing secret for the Stripe-Signature header, the shop's "
                             "endpoint secret (default: %(default)s)")
    parser.add_argument("--retry-base", metavar="SECONDS", type=float, default=1.0,
                        help="first retry delay of a failed webhook delivery; it doubles "
                             "each attempt (default: %(default)s)")
    parser.add_argument("--max-attempts", type=int, default=6,
                        help="attempts per webhook delivery before giving up "
                             "(default: %(default)s)")
    parser.add_argument("--webhook-timeout", metavar="SECONDS", type=float, default=10.0,
                        help="how long one delivery attempt may take before it counts as "
                             "failed (default: %(default)s)")
    parser.add_argument("--webhook-concurrency", metavar="N", type=int, default=8,
                        help="how many webhook deliveries may be in flight at once, as "
                             "Stripe sends concurrently and in no promised order; 1 sends "
                             "them one at a time, in order (default: %(default)s)")
    parser.add_argument("--processing-delay", metavar="SECONDS", type=float, default=3.0,
                        help="how long the processing test card (4000000000006975) and the "
                             "pending/failing refund test cards take to settle "
                             "(default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser


def serve(options: argparse.Namespace) -> None:
    from .app import create_app
    from .serving import SandboxServer

    app = create_app(
        options.forward_to, options.webhook_secret, retry_base=options.retry_base,
        max_attempts=options.max_attempts, webhook_timeout=options.webhook_timeout,
        webhook_concurrency=options.webhook_concurrency, enabled_events=options.events,
        processing_delay=options.processing_delay,
    )
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = SandboxServer(options.host, options.port, app, quiet=options.quiet)
    target = options.forward_to or "nowhere"
    if options.forward_to and options.events != list(ALL_EVENTS):
        target += f", {len(options.events)} event type(s) only"
    print(f"Stripe sandbox on http://{options.host}:{server.port} (webhooks to {target})",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: Sequence[str] | None = None) -> None:
    serve(build_parser().parse_args(argv))


def flask_command():
    """``flask stripe-sandbox [OPTIONS]``: the same options, for ``app.cli.add_command``."""
    import click

    @click.command("stripe-sandbox", context_settings={"ignore_unknown_options": True},
                   help=DESCRIPTION, add_help_option=False)
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def command(args: tuple[str, ...]) -> None:
        main(list(args))

    return command
