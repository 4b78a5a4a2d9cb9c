from flask import Flask, jsonify, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from shop.extensions import db
from shop.web.requests import referring_page


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


# Sending the same form again sends the same stale token: only a reloaded page has the
# session's token. The usual cause is signing in or out in another tab.
CSRF_MESSAGE = (
    "This page has expired, perhaps because you logged in or out in another tab. "
    "Reload the page and try again."
)


# For a limit declared without a message of its own (app-wide limits set in settings),
# whose description would be the bare limit, "10 per 1 minute".
TOO_MANY_MESSAGE = "Too many attempts from here. Please wait a few minutes and try again."


def _too_many_message(error: HTTPException) -> str:
    limit = getattr(error, "limit", None) if isinstance(error, RateLimitExceeded) else None
    return error.description if limit is not None and limit.error_message else TOO_MANY_MESSAGE


def install_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if _wants_json():
            return jsonify(error=CSRF_MESSAGE), 400
        return render_template("errors/csrf.html", message=CSRF_MESSAGE,
                               back=referring_page()), 400

    @app.errorhandler(429)
    def too_many_requests(error: HTTPException):
        message = _too_many_message(error)
        if _wants_json():
            return jsonify(error=message), 429
        # What was typed stays on the page the browser came from: a link back to it.
        return render_template("errors/429.html", message=message, back=referring_page()), 429

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            return jsonify(error=error.description), error.code
        template = "errors/404.html" if error.code == 404 else "errors/generic.html"
        return render_template(template, error=error), error.code

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        if _wants_json():
            return jsonify(error="Something went wrong on our side."), 500
        return render_template("errors/500.html"), 500
