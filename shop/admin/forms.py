import uuid

from flask import current_app
from wtforms import BooleanField, DateField, HiddenField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from shop.models import OrderStatus
from shop.models.webhook import EVENT_STATUSES
from shop.money import MoneyError, parse_amount
from shop.services.order_history import PAYMENT_STATUSES, HistoryFilter
from shop.services.refunds import REASONS, RefundAmountError
from shop.web.forms import Form


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def query_args(form: Form, args) -> dict[str, str]:
    """The query's values for a GET form's own fields, for links that keep the filters.

    Nothing else is carried over: a parameter named like one of `url_for`'s own
    (`endpoint`, `_external`, `_method`) would break or bend the links built from it.
    """
    return {field.name: args[field.name] for field in form if args.get(field.name)}


class HistoryFilterForm(Form):
    """The order history's filters: a GET form, so links to a filtered list can be shared."""

    class Meta:
        csrf = False

    q = SearchField(
        "Search",
        validators=[Optional(), Length(max=254)],
        description="Order number, email, PaymentIntent id or card last 4",
    )
    # default "": a link without the filter is "Any", not a missing (invalid) choice.
    status = SelectField(
        "Status", choices=[("", "Any")] + [(s.value, _label(s.value)) for s in OrderStatus],
        default="",
    )
    payment = SelectField(
        "Payment status", choices=[("", "Any")] + [(s, _label(s)) for s in PAYMENT_STATUSES],
        default="",
    )
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    dispute = BooleanField("Dispute open")

    def to_filter(self) -> HistoryFilter:
        """The filter its valid fields describe; invalid ones keep their errors and are ignored."""
        self.validate()

        def ok(field):
            return None if field.errors else field.data

        return HistoryFilter(
            status=ok(self.status) or None,
            payment_status=ok(self.payment) or None,
            date_from=ok(self.date_from),
            date_to=ok(self.date_to),
            dispute_open=bool(self.dispute.data),
            search=(ok(self.q) or "").strip(),
        )


class EventFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField("Status", choices=[("", "Any")] + [(s, _label(s)) for s in EVENT_STATUSES],
                         default="")
    type = SelectField("Type", choices=[("", "Any")], validate_choice=False, default="")


OUT_OF_DATE = "This form is out of date: reload the page."


class RefundForm(Form):
    """Refund part or all of an order. `request_key` makes a double submit refund once."""

    amount = StringField("Amount", validators=[DataRequired("Enter an amount."), Length(max=30)])
    reason = SelectField(
        "Reason",
        choices=[("", "No reason given")] + [(r, _label(r)) for r in REASONS],
        default="requested_by_customer",
    )
    request_key = HiddenField(
        validators=[DataRequired(OUT_OF_DATE), Length(max=64, message=OUT_OF_DATE)]
    )
    # What the page showed as left to refund, so a refund asked for meanwhile is seen.
    left_seen = HiddenField()
    # Sent only by the confirmation page: until then nothing is asked of Stripe.
    confirmed = HiddenField()

    def __init__(self, currency: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.amount_minor: int | None = None
        self.left_seen_minor: int | None = None
        if not self.is_submitted():  # a form sent without its key is refused, not renewed
            self.request_key.data = uuid.uuid4().hex

    def validate_amount(self, field) -> None:
        try:
            self.amount_minor = parse_amount(field.data, self.currency,
                                             current_app.config["SHOP_LOCALE"])
        except MoneyError as error:
            raise ValidationError(str(error)) from None

    def validate_left_seen(self, field) -> None:
        try:
            self.left_seen_minor = int(field.data)
        except (TypeError, ValueError):
            raise ValidationError(OUT_OF_DATE) from None

    @property
    def hidden_errors(self) -> list[str]:
        """Errors of the fields the admin cannot see, to show above the form."""
        return [*self.form_errors, *self.request_key.errors, *self.left_seen.errors]

    def add_error(self, error: Exception) -> None:
        """A refusal, beside the amount if it is about the amount, else above the form."""
        errors = self.amount.errors if isinstance(error, RefundAmountError) else self.form_errors
        errors.append(getattr(error, "message", None) or str(error))

    def renew_key(self) -> None:
        """A fresh key, so a corrected form is a new request rather than a replay."""
        self.request_key.data = uuid.uuid4().hex


class ActionForm(Form):
    """Only the CSRF token, for one-button actions (cancel, sync, reprocess)."""
