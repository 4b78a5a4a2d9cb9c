from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from shop.extensions import db


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def install_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = "Your session expired or the form was tampered with. Please try again."
        if _wants_json():
            return jsonify(error=message), 400
        return render_template("errors/csrf.html", message=message), 400

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
