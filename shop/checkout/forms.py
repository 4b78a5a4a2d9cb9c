import uuid

from wtforms import EmailField, HiddenField

from shop.web.fields import email_validators
from shop.web.forms import Form


class CheckoutForm(Form):
    email = EmailField("Email", validators=email_validators())
    cart_version = HiddenField()
    # Names this form: sent twice (a double click, a retry after a lost answer), it
    # places one order. A page from before the key existed is sent without one.
    checkout_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            self.checkout_key.data = uuid.uuid4().hex
