"""Validators for the fields several forms ask for, in the shop's words.

WTForms' own messages ("This field is required.", "Invalid email address.") say
what is wrong with a field, not what to type; these say what to type.
"""

from wtforms.validators import DataRequired, Email, Length

EMAIL_MISSING = "Enter your email address."
EMAIL_MALFORMED = "Enter an email address like name@example.com."
EMAIL_TOO_LONG = "Enter an email address of at most 254 characters."


def email_validators() -> list:
    """For an email address field: present, shaped like one, and short enough to keep."""
    return [
        DataRequired(EMAIL_MISSING),
        Email(EMAIL_MALFORMED),
        Length(max=254, message=EMAIL_TOO_LONG),
    ]
