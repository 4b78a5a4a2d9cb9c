"""WSGI entry point: `gunicorn wsgi:app` or `flask run` (see .flaskenv)."""

import click
from dotenv import load_dotenv

load_dotenv()

from shop import create_app  # noqa: E402  (settings from .env must be loaded first)
from shop.config import ConfigError  # noqa: E402

try:
    app = create_app()
except ConfigError as error:
    if click.get_current_context(silent=True) is None:
        raise  # a server stops with it (gunicorn: "Worker failed to boot")
    # A `flask` command shows the setting to change as its one line, not a traceback
    # ending in it.
    raise click.ClickException(str(error)) from None
