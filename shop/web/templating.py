from flask import Flask, current_app, session

from shop.money import format_money


def money(amount_minor: int | None, currency: str | None = None) -> str:
    """Jinja filter: minor units → text in the shop's locale."""
    if amount_minor is None:
        return ""
    code = currency or current_app.config["SHOP_CURRENCY"]
    return format_money(amount_minor, code, current_app.config["SHOP_LOCALE"])


def install_template_helpers(app: Flask) -> None:
    app.add_template_filter(money, "money")

    @app.context_processor
    def shop_globals() -> dict:
        cart = session.get("cart") or {}
        return {
            "shop_name": current_app.config["SHOP_NAME"],
            "payments_sandbox": current_app.config["STRIPE_SANDBOX"],
            "cart_count": sum(q for q in cart.values() if isinstance(q, int)),
        }
