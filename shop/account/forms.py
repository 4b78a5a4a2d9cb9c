from shop.web.forms import Form


class CardActionForm(Form):
    """Only the CSRF token: "Make default" and "Remove" are one-button POSTs."""
