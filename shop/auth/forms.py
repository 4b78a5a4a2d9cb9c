
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from shop.web.fields import email_validators
from shop.web.forms import Form


class LoginForm(Form):
    email = EmailField("Email", validators=email_validators())
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."),
                    Length(max=256, message="Passwords here are at most 256 characters.")],
    )


class RegisterForm(Form):
    name = StringField(
        "Name", validators=[Length(max=120, message="Enter a name of at most 120 characters.")]
    )
    email = EmailField("Email", validators=email_validators())
    password = PasswordField(
        "Password",
        validators=[DataRequired("Choose a password."),
                    Length(min=8, message="Use at least 8 characters."),
                    Length(max=256, message="Use at most 256 characters.")],
    )
    confirm = PasswordField(
        "Confirm password",
        validators=[DataRequired("Enter the password again."),
                    EqualTo("password", "The passwords do not match.")],
    )
