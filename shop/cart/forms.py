from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import DataRequired, NumberRange


class AddToCartForm(FlaskForm):
    product_id = HiddenField(validators=[DataRequired()])
    quantity = IntegerField(
        "Quantity",
        default=1,
        validators=[DataRequired("Enter a quantity."), NumberRange(1, 999, "Enter 1 to 999.")],
    )


class UpdateCartForm(FlaskForm):
    quantity = IntegerField(
        "Quantity",
        validators=[DataRequired("Enter a quantity."), NumberRange(1, 999, "Enter 1 to 999.")],
    )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for one-button POST actions."""
