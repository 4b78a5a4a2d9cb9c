
from wtforms import HiddenField, IntegerField
from wtforms.validators import DataRequired, InputRequired, NumberRange, StopValidation

from shop.web.forms import Form

NOT_A_NUMBER = "Enter the quantity as a whole number, like 2."


class QuantityField(IntegerField):
    """A quantity box: text that is not a whole number gets the shop's words, not WTForms'."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(NOT_A_NUMBER) from None


def _one_message(form, field) -> None:
    # Text that is no number has said so already; the range check would add a second
    # message about a quantity the customer never typed.
    if field.process_errors:
        raise StopValidation()


# InputRequired: 0 is a quantity typed (and refused by the range), not a missing one.
# There is no upper bound here: the most one may buy depends on the product (its stock,
# MAX_PER_PRODUCT), and the cart says which, naming it.
QUANTITY = [InputRequired("Enter a quantity."), _one_message,
            NumberRange(min=1, message="Choose a quantity of 1 or more.")]


class AddToCartForm(Form):
    product_id = HiddenField(validators=[DataRequired("That product is not available.")])
    quantity = QuantityField("Quantity", default=1, validators=QUANTITY)


class UpdateCartForm(Form):
    quantity = QuantityField("Quantity", validators=QUANTITY)


class EmptyForm(Form):
    """A form with only the CSRF token, for one-button POST actions."""
