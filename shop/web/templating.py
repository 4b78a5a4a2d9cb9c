from collections.abc import Callable

from flask import Flask, current_app, request, session

from shop.money import format_money


def money(amount_minor: int | None, currency: str | None = None) -> str:
    """Jinja filter: minor units → text in the shop's locale."""
    if amount_minor is None:
        return ""
    code = currency or current_app.config["SHOP_CURRENCY"]
    return format_money(amount_minor, code, current_app.config["SHOP_LOCALE"])


def remembering_url_for(build: Callable[..., str]) -> Callable[..., str]:
    """Templates' `url_for`, remembering links that are the same on every request.

    A link to a static file, or to a page that takes no arguments, depends only on
    where the app is mounted (the shop sets no URL defaults), and the layout repeats
    several of them on every page. Links with arguments, external or
    blueprint-relative ones are built each time.
    """
    links: dict[tuple, str] = {}

    def url_for(endpoint: str, **values) -> str:
        if endpoint.startswith(".") or (values and values.keys() != {"filename"}):
            return build(endpoint, **values)
        key = (endpoint, values.get("filename"), request.script_root)
        link = links.get(key)
        if link is None:
            if len(links) > 1000:  # file names may come from data; keep this small
                links.clear()
            link = links[key] = build(endpoint, **values)
        return link

    return url_for


def install_template_helpers(app: Flask) -> None:
    app.add_template_filter(money, "money")
    app.jinja_env.globals["url_for"] = remembering_url_for(app.url_for)

    @app.context_processor
    def shop_globals() -> dict:
        cart = session.get("cart") or {}
        return {
            "shop_name": current_app.config["SHOP_NAME"],
            "payments_sandbox": current_app.config["STRIPE_SANDBOX"],
            "cart_count": sum(q for q in cart.values() if isinstance(q, int)),
        }
