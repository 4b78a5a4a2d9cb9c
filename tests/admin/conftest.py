"""Admin test helpers: signed-in admins and customers, and orders built straight from models."""

import itertools
from datetime import timedelta

import pytest

from shop.extensions import db
from shop.models import Dispute, Order, OrderLine, Payment, Refund, StripeEvent, utcnow
from tests.conftest import AuthActions
from tests.payments_support import reload

ADMIN = ("boss@example.com", "boss-password")
CUSTOMER = ("customer@example.com", "customer-pass")


@pytest.fixture
def admin(make_user):
    return make_user(email=ADMIN[0], password=ADMIN[1], is_admin=True)


@pytest.fixture
def admin_client(client, auth, admin):
    """The test client signed in as an admin through the real login form."""
    auth.login(*ADMIN)
    return client


@pytest.fixture
def boss(app, admin):
    """A second browser session: the admin, signed in, beside the shopper's."""
    client = app.test_client()
    AuthActions(client).login(*ADMIN)
    return client


@pytest.fixture
def paid_order(shopper, make_product):
    """A $25.00 order paid through the Stripe sandbox (the module's app must use it)."""
    order = shopper.checkout((make_product(price_minor=2500), 1), email="ann@example.com")
    _, error, _ = shopper.pay(order, "pm_card_visa")
    assert error is None
    return reload(order)


@pytest.fixture
def customer_client(client, auth, make_user):
    make_user(email=CUSTOMER[0], password=CUSTOMER[1])
    auth.login(*CUSTOMER)
    return client


@pytest.fixture
def make_order(app):
    """Factory: make_order(email=..., status=..., total_minor=..., created_at=..., payment=...).

    `payment` is a dict of Payment fields (status, intent_id, card_last4, ...) or None;
    `dispute` a Stripe dispute status or None. Returns the committed Order.
    """
    numbers = itertools.count(1)
    start = utcnow() - timedelta(days=1)

    def make(
        email="ann@example.com",
        status="paid",
        total_minor=2500,
        created_at=None,
        paid_at=None,
        payment=None,
        dispute=None,
        refunded_minor=0,
        currency=None,
    ) -> Order:
        n = next(numbers)
        currency = currency or app.config["SHOP_CURRENCY"]
        created_at = created_at or start + timedelta(seconds=n)
        order = Order(
            number=f"T{n:07d}",
            email=email,
            currency=currency,
            subtotal_minor=total_minor,
            total_minor=total_minor,
            amount_refunded_minor=refunded_minor,
            status=status,
            reserved_until=created_at + timedelta(minutes=30),
            created_at=created_at,
            paid_at=paid_at or (created_at if status in PAID_STATUSES else None),
            dispute_status=dispute,
        )
        order.lines.append(
            OrderLine(
                product_name="Enamel camp mug",
                unit_price_minor=total_minor,
                quantity=1,
                line_total_minor=total_minor,
            )
        )
        db.session.add(order)
        db.session.flush()
        if payment is not None:
            fields = {
                "status": "succeeded",
                "intent_id": f"pi_test_{n}",
                "created_at": created_at,
                "updated_at": created_at,
                **payment,
            }
            db.session.add(
                Payment(order_id=order.id, amount_minor=total_minor, currency=currency, **fields)
            )
        if dispute is not None:
            db.session.add(
                Dispute(
                    order_id=order.id,
                    stripe_dispute_id=f"dp_test_{n}",
                    amount_minor=total_minor,
                    currency=currency,
                    reason="fraudulent",
                    status=dispute,
                    evidence_due_by=created_at + timedelta(days=7),
                    created_at=created_at,
                )
            )
        db.session.commit()
        return order

    return make


PAID_STATUSES = ("paid", "partially_refunded", "refunded")


@pytest.fixture
def make_refund(app):
    ids = itertools.count(1)

    def make(order: Order, amount_minor: int, status="succeeded", created_at=None) -> Refund:
        refund = Refund(
            order_id=order.id,
            stripe_refund_id=f"re_test_{next(ids)}",
            amount_minor=amount_minor,
            currency=order.currency,
            status=status,
            reason="requested_by_customer",
            created_at=created_at or utcnow(),
        )
        db.session.add(refund)
        db.session.commit()
        return refund

    return make


@pytest.fixture
def make_event(app):
    ids = itertools.count(1)

    def make(event_type="payment_intent.succeeded", status="processed", obj=None, **fields):
        event_id = f"evt_test_{next(ids)}"
        now = fields.pop("received_at", utcnow())
        event = StripeEvent(
            id=event_id,
            type=event_type,
            created=now,
            payload={
                "id": event_id,
                "object": "event",
                "type": event_type,
                "created": int(now.timestamp()),
                "data": {"object": obj or {"id": "pi_none", "object": "payment_intent"}},
            },
            status=status,
            received_at=now,
            **fields,
        )
        db.session.add(event)
        db.session.commit()
        return event

    return make
