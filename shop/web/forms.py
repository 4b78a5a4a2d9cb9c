"""The base of the shop's forms: they read what a browser's form sends, nothing else."""

from flask import has_request_context, request
from flask_wtf import FlaskForm


class Form(FlaskForm):
    """A FlaskForm that is never filled from a JSON body.

    Flask-WTF fills a form from JSON when a request sends no form fields, and JSON's
    numbers, lists and objects are values no field here expects (a 500 rather than a
    message). Browsers send forms as form fields; a JSON body is read as an empty
    form, which each form refuses in its own words.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            wrapped = super().wrap_formdata(form, formdata)
            if wrapped is not formdata and has_request_context() and request.is_json:
                return None
            return wrapped
