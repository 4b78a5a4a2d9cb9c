"""Flask CLI commands; each is idempotent and calls the same services as the pages."""

import sys

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app, has_app_context
from flask.cli import AppGroup
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError

from shop.config import ROOT
from shop.extensions import db, migrate
from shop.services import accounts


def database_problem(error: OperationalError) -> str:
    """The database's own reason, on one line, never with the password in it."""
    lines = str(error.orig or error).strip().splitlines()
    reason = lines[0].strip() if lines else type(error.orig or error).__name__
    if has_app_context():
        password = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).password
        if password:
            reason = reason.replace(str(password), "***")
    return f"The database could not be used: {reason}"


class ShopCommand(click.Command):
    """A shop command: a database that is down or refuses it (cron at 3 a.m.) is one line
    and exit status 1, not a traceback of SQLAlchemy's pool."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OperationalError as error:
            raise click.ClickException(database_problem(error)) from None


class ShopGroup(AppGroup):
    """A group of shop commands: each command (and group) defined in it is a ShopCommand
    (a ShopGroup) and runs in the app context."""

    command_class = ShopCommand
    group_class = type  # groups within it are ShopGroups too


@click.command("create-admin", cls=ShopCommand)
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_admin(email: str, password_stdin: bool) -> None:
    """Create an admin account EMAIL, or make an existing account an admin, setting its
    password."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        # The sign-in form takes only an email address: this admin could never sign in.
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise click.ClickException("The password needs at least 8 characters.")
    user = accounts.make_admin(email, password)
    db.session.commit()
    click.echo(f"{user.email} is an admin.")


@click.command("seed", cls=ShopCommand)
def seed() -> None:
    """Load the demo catalog and accounts (safe to run again; development only)."""
    from shop.services.demo import seed_demo_data

    if current_app.config["SHOP_ENV"] != "development":
        # The demo accounts' passwords are published: anywhere else they are open doors.
        raise click.ClickException(
            "The demo data has an admin whose password is public; it is loaded only with "
            "SHOP_ENV=development. Use `flask create-admin` for a real admin."
        )

    logins = seed_demo_data()
    db.session.commit()
    click.echo("Demo data ready. Log in with:")
    for role, email, password in logins:
        click.echo(f"  {role:<9} {email} / {password}")


def init_migrations(app: Flask) -> None:
    """Bind Flask-Migrate to `app`: the `flask db` commands and `flask_migrate`'s functions."""
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True
    )


def register(app: Flask) -> None:
    from shop.admin import cli as admin_cli
    from shop.payments_cli import COMMANDS

    for command in (create_admin, seed, *COMMANDS):
        app.cli.add_command(command)
    admin_cli.register(app)
    # Only commands migrate (see `Migrations`): bound when the `flask` command builds
    # the app, not when a server does.
    if click.get_current_context(silent=True) is not None:
        init_migrations(app)
