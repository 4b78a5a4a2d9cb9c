"""Flask-Limiter's per-request hooks, run only where a rate limit can apply.

The shop's limits decorate the views that need them (log-in, registration, payment
and setup attempts), and a decorated view checks its own limits when it is called.
Flask-Limiter also hooks every request: before it, to check default, application
and meta limits; after it, to add the X-RateLimit headers of the limit the view
checked; and at teardown, to clear what the request counted. The shop sets no
app-wide limits, so on every other page those hooks find nothing to do, at a cost
comparable to rendering a small template. They are kept for the decorated views,
and left untouched when settings add app-wide limits.
"""

import ipaddress
import logging
from collections.abc import Callable
from functools import partial, wraps

from flask import Flask, Response, after_this_request, current_app, request
from flask_limiter import Limiter

APP_WIDE = ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")
# Flask-Limiter marks the wrapper its `limit` decorator puts around a view with this.
DECORATED_MARK = "__wrapper-limiter-instance"


def client_key() -> str:
    """Who a rate limit counts: the client's IPv4 address, or its IPv6 /64 network.

    One IPv6 host is usually handed a whole /64 and can pick a new address in it for
    every request, so counting single IPv6 addresses would count nothing.
    """
    address = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is that IPv4 client
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def _belongs_to(hook, limiter: Limiter) -> bool:
    if isinstance(hook, partial):
        return hook.args[:1] == (limiter,)
    return getattr(hook, "__self__", None) is limiter


def _endpoint_is_limited() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, DECORATED_MARK, None) is not None


def _after_if_limited(hook):
    @wraps(hook)
    def after(response):
        return hook(response) if _endpoint_is_limited() else response

    return after


def _teardown_if_limited(hook):
    @wraps(hook)
    def teardown(error=None):
        if _endpoint_is_limited():
            hook(error)

    return teardown


def forget_app_wide_limits(limiter: Limiter) -> None:
    """Before `limiter.init_app(app)`: drop the app-wide limits an earlier app left.

    The shop's one Limiter is module-level, as its decorators need, and Flask-Limiter
    keeps the default, application and meta limits of the first app whose settings
    name any, handing them to every app initialised after it in the same process
    (tests, tools), whatever their own settings say. Each app starts from its own.
    """
    limiter.limit_manager.set_default_limits([])
    limiter.limit_manager.set_application_limits([])
    limiter._meta_limits = []


def limit_only_where_declared(app: Flask, limiter: Limiter) -> None:
    """After `limiter.init_app(app)`: drop its hooks from requests no limit applies to."""
    if any(app.config.get(name) for name in APP_WIDE):
        return
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks[:] = [hook for hook in hooks if not _belongs_to(hook, limiter)]
    hooks = app.after_request_funcs.setdefault(None, [])
    hooks[:] = [_after_if_limited(h) if _belongs_to(h, limiter) else h for h in hooks]
    hooks = app.teardown_request_funcs.setdefault(None, [])
    hooks[:] = [_teardown_if_limited(h) if _belongs_to(h, limiter) else h for h in hooks]


def counted_unless(keep: Callable[[Response], bool], key_prefix: str, limiter: Limiter):
    """For a view under a limit keyed by `key_prefix...`, whose attempts count only if
    `keep(response)` says so (a failed sign-in, say, not a successful one).

    Flask-Limiter's own `deduct_when` only tests the limit before the view and counts
    the attempt after it, so a burst of requests all pass the test before any is
    counted: two hundred guesses at once checked thirty-four passwords under a limit
    of twenty. Declared without it, the limit counts the attempt before the view, in
    one step of its storage; this gives it back afterwards when it should not count.
    Fixed-window limits (the shop's) can be given back; other strategies keep it.
    Put it below the view's `@limiter.limit`.
    """

    def decorate(view):
        @wraps(view)
        def run(*args, **kwargs):
            @after_this_request
            def settle(response: Response) -> Response:
                if not keep(response):
                    _give_back(limiter, key_prefix)
                return response

            return view(*args, **kwargs)

        return run

    return decorate


def _give_back(limiter: Limiter, key_prefix: str) -> None:
    for counted in limiter.current_limits:
        if any(isinstance(part, str) and part.startswith(key_prefix)
               for part in counted.request_args):
            try:
                counted.limiter.hit(counted.limit, *counted.request_args, cost=-1)
            except Exception:  # the storage went away: the attempt stays counted
                logging.getLogger(__name__).warning("could not give back %s", key_prefix,
                                                    exc_info=True)
