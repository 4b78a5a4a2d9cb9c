"""The admin area: payment health, order history, order pages and the webhook inbox.

Every view sits behind `require_admin` on the blueprint. The views live in one
module per page family; importing them here registers them on `bp`.
"""

from flask import current_app, render_template

from shop.admin import events, orders  # noqa: F401  (registers their views)
from shop.admin.blueprint import bp, require_admin
from shop.admin.charts import bar_chart
from shop.services import reports

__all__ = ["bp", "require_admin"]


@bp.get("/")
def dashboard():
    currency = current_app.config["SHOP_CURRENCY"]
    return render_template(
        "admin/dashboard.html",
        attention=reports.needs_attention(),
        windows=reports.health_windows(currency),
        chart=bar_chart(reports.revenue_per_day(currency)),
        currency=currency,
    )
