"""HTML that is the same for every visitor, rendered once per catalog snapshot.

The catalog cache (`shop.services.catalog`) hands out immutable snapshots, a new
object each time it reloads. HTML rendered from a snapshot is kept beside it for
exactly as long as the snapshot lives: once the cache reloads (a price, stock or
name changed, or the entry simply expired), the next request renders from the new
snapshot and the old HTML goes with the old one.

A fragment holds nothing personal. Its template is rendered without the request's
context processors, and the per-visitor names (the session, the signed-in user, the
cart count, the CSP nonce, flashed messages) fail loudly if a fragment uses them.
The CSRF token is the one exception forms need: a fragment writes `csrf_token()` as
any template does, it is rendered as a placeholder, and every request fills in the
visitor's own token.
"""

import secrets
import weakref
from collections.abc import Callable, Mapping

from flask import current_app, request
from jinja2 import StrictUndefined, Template
from markupsafe import Markup, escape

from shop.web.sessions import csrf_token

# Random per process, so no product text can contain it by accident.
_TOKEN_HOLE = f"csrf-token-{secrets.token_hex(12)}"
_PERSONAL = ("session", "g", "current_user", "cart_count", "csp_nonce", "get_flashed_messages")

Context = Callable[[], Mapping]


def _placeholder_token() -> str:
    return _TOKEN_HOLE


def _rendered(snapshot: object, template: str | Template, context: Context) -> str:
    per_app = current_app.extensions.setdefault("fragments", weakref.WeakKeyDictionary())
    per_snapshot = per_app.get(snapshot)
    if per_snapshot is None:
        per_snapshot = per_app.setdefault(snapshot, {})
    # Links are paths under the app's root, the only part of a URL that can differ.
    key = (template, request.script_root)
    html = per_snapshot.get(key)
    if html is None:
        forbidden = {
            name: StrictUndefined(name=name, hint=f"{name} is personal, and fragments are shared")
            for name in _PERSONAL
        }
        html = per_snapshot[key] = current_app.jinja_env.get_template(template).render(
            {**forbidden, **context(), "csrf_token": _placeholder_token}
        )
    return html


def render_once(snapshot: object, template: str | Template, context: Context) -> Markup:
    """`template` rendered from `snapshot`, reused until the snapshot is replaced.

    `context()` builds the template's variables; it is only called on the first
    render. The result is ready to insert into a page, with this visitor's CSRF token.
    """
    html = _rendered(snapshot, template, context)
    if _TOKEN_HOLE in html:
        html = html.replace(_TOKEN_HOLE, str(escape(csrf_token())))
    return Markup(html)  # noqa: S704  (rendered by the autoescaping environment)
