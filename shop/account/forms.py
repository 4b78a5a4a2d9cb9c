from flask_wtf import FlaskForm


class CardActionForm(FlaskForm):
    """Only the CSRF token: "Make default" and "Remove" are one-button POSTs."""
