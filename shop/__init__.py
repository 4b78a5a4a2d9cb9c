"""The shop: a Flask storefront taking card payments with Stripe's PaymentElement."""

from flask import Flask

from shop.config import ROOT, check_config, load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the app: read settings, then run each named wiring step."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_mapping(load_config())
    if config:
        app.config.update(config)
    check_config(app.config)

    register_proxy_fix(app)
    register_extensions(app)
    register_sessions(app)
    register_order_rollup(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_logging(app)
    register_commands(app)
    return app


def register_proxy_fix(app: Flask) -> None:
    from shop.web.proxy import install_proxy_fix

    install_proxy_fix(app)


def register_extensions(app: Flask) -> None:
    from shop import models  # models must be imported before migrations run
    from shop.database import (
        READS,
        ping_when_idle,
        reads_engine_options,
        savepoints_inside_transactions,
    )
    from shop.extensions import csrf, db, limiter, login_manager
    from shop.web import readonly
    from shop.web.limits import forget_app_wide_limits, limit_only_where_declared
    from shop.web.sessions import check_csrf_methods_first

    binds = app.config.setdefault("SQLALCHEMY_BINDS", {})
    binds[READS] = reads_engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    )
    db.init_app(app)
    readonly.install(db.session)
    with app.app_context():
        for engine in db.engines.values():
            ping_when_idle(engine, app.config["DATABASE_PING_IDLE_SECONDS"])
        savepoints_inside_transactions(db.engine)
    csrf.init_app(app)
    check_csrf_methods_first(app, csrf)
    forget_app_wide_limits(limiter)
    limiter.init_app(app)
    limit_only_where_declared(app, limiter)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str):
        """The session's user, unless they have signed out since it signed in."""
        user_id, _, epoch = session_id.partition(".")
        epoch = epoch or "0"  # a session from before epochs carries the id alone
        if not all(part.isascii() and part.isdigit() and len(part) < 10
                   for part in (user_id, epoch)):
            return None
        user = db.session.get(models.User, int(user_id))
        return user if user is not None and user.session_epoch == int(epoch) else None


def register_order_rollup(app: Flask) -> None:
    """Every order written through the session keeps the admin history's rollup exact."""
    from shop.extensions import db
    from shop.services import order_rollup

    order_rollup.install(db.session)


def register_sessions(app: Flask) -> None:
    from shop.web.sessions import install_sessions

    install_sessions(app)


def register_blueprints(app: Flask) -> None:
    from shop.account import orders as account_orders  # noqa: F401  (registers its views)
    from shop.account.routes import bp as account_bp
    from shop.admin.routes import bp as admin_bp
    from shop.auth.routes import bp as auth_bp
    from shop.cart.routes import bp as cart_bp
    from shop.catalog.routes import bp as catalog_bp
    from shop.checkout import pay, routes  # noqa: F401  (register their views)
    from shop.checkout.blueprint import bp as checkout_bp
    from shop.webhooks.routes import bp as webhooks_bp

    for blueprint in (catalog_bp, cart_bp, auth_bp, checkout_bp, account_bp, admin_bp, webhooks_bp):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from shop.web.errors import install_error_handlers

    install_error_handlers(app)


def register_template_helpers(app: Flask) -> None:
    from shop.web.templating import install_template_helpers
    from shop.web.times import install_time_filters

    install_template_helpers(app)
    install_time_filters(app)


def register_security_headers(app: Flask) -> None:
    from shop.web.security import install_security_headers

    install_security_headers(app)


def register_logging(app: Flask) -> None:
    from shop.logs import install_logging

    install_logging(app)


def register_commands(app: Flask) -> None:
    from shop.cli import register

    register(app)
