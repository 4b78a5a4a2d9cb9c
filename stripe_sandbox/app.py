"""The sandbox's Flask application factory: it only wires the parts together."""

from __future__ import annotations

import json
from collections.abc import Sequence

from flask import Flask, Response, g, request

from .errors import unrecognized_url
from .state import Sandbox, random_token
from .webhooks import ALL_EVENTS, WebhookSender

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": (
        "Authorization, Content-Type, Stripe-Version, Idempotency-Key, Stripe-Account"
    ),
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Expose-Headers": "Request-Id, Idempotent-Replayed, Stripe-Version",
    "Access-Control-Max-Age": "600",
}
_API_PREFIXES = ("/v1/", "/_sandbox/")


def create_app(
    forward_to: str | None = None,
    webhook_secret: str = "whsec_sandbox",  # noqa: S107  (a public test default)
    *,
    retry_base: float = 1.0,
    max_attempts: int = 6,
    webhook_timeout: float = 10.0,
    webhook_concurrency: int = 8,
    enabled_events: Sequence[str] = ALL_EVENTS,
    processing_delay: float = 3.0,
) -> Flask:
    """A WSGI app holding one in-memory Stripe account.

    ``forward_to`` is the URL webhooks are POSTed to (None: events are only listed);
    ``webhook_secret`` signs them. ``webhook_concurrency`` is how many deliveries may be
    in flight at once (1 sends them strictly one at a time, in order). ``enabled_events``
    is the list of event types sent, as on a Stripe webhook endpoint (``["*"]``: all);
    the others are only listed. The other settings can also change at run time through
    ``POST /_sandbox/config``.
    """
    app = Flask(__name__, static_folder=None)
    sender = WebhookSender(forward_to, webhook_secret, retry_base, max_attempts, webhook_timeout,
                           webhook_concurrency, enabled_events)
    sandbox = Sandbox(processing_delay=processing_delay, emit_hook=sender.enqueue)
    sandbox.webhooks = sender
    sender.on_delivered = sandbox.webhook_delivered
    app.extensions["stripe_sandbox"] = sandbox
    register_blueprints(app)
    register_errorhandlers(app)
    register_headers(app)
    return app


def register_blueprints(app: Flask) -> None:
    from .api import make_blueprint
    from .control import blueprint as control

    app.register_blueprint(make_blueprint())
    app.register_blueprint(control)
    try:
        from .stripejs import blueprint as stripejs
    except ModuleNotFoundError as error:  # the Stripe.js stand-in is optional
        if error.name != f"{__package__}.stripejs":
            raise
    else:
        app.register_blueprint(stripejs)

    @app.get("/")
    def index() -> dict[str, str]:
        return {"sandbox": "stripe", "api": "/v1", "control": "/_sandbox", "stripe_js": "/v3/"}


def _stripe_style(status: int) -> Response | None:
    if not request.path.startswith("/v1"):
        return None
    error = unrecognized_url(request.method, request.path)
    return Response(json.dumps(error.body()), status=status, mimetype="application/json")


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(404)
    @app.errorhandler(405)
    def unknown_url(error):
        return _stripe_style(404) or error


def register_headers(app: Flask) -> None:
    @app.before_request
    def preflight():
        if request.method == "OPTIONS" and request.path.startswith(_API_PREFIXES):
            return Response(status=204)
        return None

    @app.after_request
    def stamp(response: Response) -> Response:
        if "Request-Id" not in response.headers:
            response.headers["Request-Id"] = getattr(g, "request_id", None) or (
                "req_" + random_token(14)
            )
        if request.path.startswith(_API_PREFIXES):
            response.headers.update(CORS_HEADERS)
        return response
