"""WSGI entry point: `gunicorn wsgi:app` or `flask run` (see .flaskenv)."""

from dotenv import load_dotenv

load_dotenv()

from shop import create_app  # noqa: E402  (settings from .env must be loaded first)

app = create_app()
