from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import DataRequired, InputRequired, NumberRange

# InputRequired: 0 is a quantity typed (and refused by the range), not a missing one.
QUANTITY = [InputRequired("Enter a quantity."),
            NumberRange(1, 999, "Choose a quantity of at least 1 (and at most 999 at a time).")]


class AddToCartForm(FlaskForm):
    product_id = HiddenField(validators=[DataRequired()])
    quantity = IntegerField("Quantity", default=1, validators=QUANTITY)


class UpdateCartForm(FlaskForm):
    quantity = IntegerField("Quantity", validators=QUANTITY)


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for one-button POST actions."""
