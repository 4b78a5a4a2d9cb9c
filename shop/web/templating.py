from types import SimpleNamespace
from urllib.parse import urlencode

from flask import Flask, current_app, request, session, url_for
from markupsafe import Markup

from shop.money import format_money
from shop.services.card_brands import card_name
from shop.web.requests import local_path, referring_page


def money(amount_minor: int | None, currency: str | None = None) -> str:
    """Jinja filter: minor units → text in the shop's locale."""
    if amount_minor is None:
        return ""
    code = currency or current_app.config["SHOP_CURRENCY"]
    return format_money(amount_minor, code, current_app.config["SHOP_LOCALE"])


def money_tag(amount_minor: int | None, currency: str | None = None) -> Markup:
    """Jinja global `money`: the amount as pages show it, in a `<span class="money">`.

    A function rather than a macro: a page importing a macro builds the macros'
    module again on every render.
    """
    return Markup('<span class="money">%s</span>') % money(amount_minor, currency)


# What the layout links to on every page: (endpoint, arguments) by name.
LAYOUT_LINKS = {
    "icon": ("static", {"filename": "favicon.svg"}),
    "stylesheet": ("static", {"filename": "css/shop.css"}),
    "shop": ("catalog.index", {}),
    "cart": ("cart.show", {}),
    "my_orders": ("account.my_orders", {}),
    "saved_cards": ("account.saved_cards", {}),
    "admin": ("admin.dashboard", {}),
    "login": ("auth.login", {}),
    "register": ("auth.register", {}),
    "logout": ("auth.logout", {}),
}


def layout_links() -> SimpleNamespace:
    """The layout's links, built once per mount point of the app.

    They depend on nothing else (the shop sets no URL defaults), and building them
    on every page cost more than the rest of the layout's navigation.
    """
    by_root = current_app.extensions.setdefault("layout_links", {})
    links = by_root.get(request.script_root)
    if links is None:
        links = by_root[request.script_root] = SimpleNamespace(
            **{name: url_for(endpoint, **args) for name, (endpoint, args) in LAYOUT_LINKS.items()}
        )
    return links


def _this_page() -> str | None:
    """The page being shown, as a path under the app's root to come back to."""
    if request.endpoint in ("auth.login", "auth.register"):
        return request.args.get("next")  # already on the way somewhere: keep going there
    if request.method != "GET":
        return referring_page()  # a form sent back with errors: the page it was sent from
    try:
        query = request.query_string.decode("ascii")
    except UnicodeDecodeError:
        query = ""
    return request.script_root + request.path + (f"?{query}" if query else "")


def back_here() -> str:
    """`?next=...` for the layout's Log in and Register links, so that logging in
    comes back to this page; "" where there is no page of this site to come back to.

    Built per request and called only where a visitor is not logged in: the layout's
    remembered links (`layout_links`) stay the same for every page, and so do the
    catalog's shared fragments, which hold no layout.
    """
    target = local_path(_this_page())
    if not target or target == request.script_root + "/":
        return ""  # logging in goes to the home page anyway
    return f"?{urlencode({'next': target})}"


def install_template_helpers(app: Flask) -> None:
    app.add_template_filter(money, "money")
    app.add_template_global(money_tag, "money")
    app.add_template_global(back_here, "back_here")
    app.add_template_global(card_name, "card_name")

    @app.context_processor
    def shop_globals() -> dict:
        cart = session.get("cart") or {}
        return {
            "shop_name": current_app.config["SHOP_NAME"],
            "payments_sandbox": current_app.config["STRIPE_SANDBOX"],
            "cart_count": sum(q for q in cart.values() if isinstance(q, int)),
            "links": layout_links(),
        }
