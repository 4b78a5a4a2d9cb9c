"""Payment health for the admin dashboard: what came in, what failed, what went back.

Definitions, for a window [since, until):
- revenue and orders paid: orders whose `paid_at` falls in the window (gross totals);
- failed attempts: declines and failures on the timeline (`payment_failed`), plus the
  failure code of payments whose order has no such entry (older or imported data);
- success rate: orders paid / (orders paid + failed attempts), None with no attempts;
- refunded and refund rate: succeeded refunds created in the window, over revenue;
- disputes opened in the window, and those of them still open;
- webhook events received in the window that are stuck as failed.
Amounts are in the shop's currency; orders in other currencies are left out of them.
Counts of payments (the success rate, declines, disputes) take every currency.

Beside the windows, `needs_attention` counts what needs a person now, however long
ago it began: open disputes, failed webhook events and refunds, orders stuck in
processing, and webhooks that stopped arriving while payments went on.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from shop.extensions import db
from shop.models import (
    CHARGEBACK_STATUSES,
    DISPUTE_KEPT_STATUSES,
    OPEN_DISPUTE_STATUSES,
    Dispute,
    Order,
    OrderEvent,
    Payment,
    Refund,
    StripeEvent,
    utcnow,
)
from shop.services.failed_refunds import DISPUTED_WHILE_PENDING

WINDOWS = (("24 hours", timedelta(hours=24)), ("7 days", timedelta(days=7)),
           ("30 days", timedelta(days=30)))
FAILURE_KIND = "payment_failed"
# Stripe sends payment_intent.succeeded for every payment, within seconds and then with
# retries: a payment this much older than the last webhook means none are arriving.
WEBHOOK_GRACE = timedelta(minutes=15)
# A card payment is processing for seconds; an order this long in processing is stuck.
STUCK_PROCESSING = timedelta(hours=4)
# Dispute statuses in which the shop still has to send evidence, by `evidence_due_by`.
NEEDS_RESPONSE = ("needs_response", "warning_needs_response")
FAILED_REFUND_ORDERS_SHOWN = 5


@dataclass
class Health:
    label: str
    since: datetime
    currency: str
    revenue_minor: int = 0
    orders_paid: int = 0  # in `currency`, as the revenue
    # Payment success is counted in every currency, as failed attempts are: an order
    # paid in a currency the shop no longer sells in was still a payment that worked.
    payments_succeeded: int = 0
    failed_attempts: int = 0
    refunded_minor: int = 0
    disputes_opened: int = 0
    disputes_open: int = 0
    failed_events: int = 0
    decline_codes: list[tuple[str, int]] = field(default_factory=list)

    @property
    def success_rate(self) -> float | None:
        attempts = self.payments_succeeded + self.failed_attempts
        return self.payments_succeeded / attempts if attempts else None

    @property
    def refund_rate(self) -> float | None:
        return self.refunded_minor / self.revenue_minor if self.revenue_minor else None


def _scalar(query) -> int:
    return db.session.execute(query).scalar_one() or 0


def _decline_codes(since: datetime, until: datetime) -> Counter:
    code = OrderEvent.data["code"].as_string()
    from_timeline = db.session.execute(
        select(code, func.count())
        .where(
            OrderEvent.kind == FAILURE_KIND,
            OrderEvent.created_at >= since,
            OrderEvent.created_at < until,
        )
        .group_by(code)
    )
    untracked = db.session.execute(
        select(Payment.failure_code, func.count())
        .where(
            Payment.failure_code.is_not(None),
            Payment.updated_at >= since,
            Payment.updated_at < until,
            ~exists().where(
                OrderEvent.order_id == Payment.order_id, OrderEvent.kind == FAILURE_KIND
            ),
        )
        .group_by(Payment.failure_code)
    )
    counts: Counter = Counter()
    for name, count in [*from_timeline, *untracked]:
        counts[name or "unknown"] += count
    return counts


def payment_health(
    label: str, since: datetime, currency: str, until: datetime | None = None, top: int = 5
) -> Health:
    """The health numbers for orders and payments between `since` and `until` (now)."""
    until = until or utcnow()
    health = Health(label, since, currency)
    paid = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Order.total_minor), 0)).where(
            Order.paid_at >= since, Order.paid_at < until, Order.currency == currency
        )
    ).one()
    health.orders_paid, health.revenue_minor = paid
    health.payments_succeeded = _scalar(
        select(func.count(Order.id)).where(Order.paid_at >= since, Order.paid_at < until)
    )
    declines = _decline_codes(since, until)
    health.failed_attempts = sum(declines.values())
    health.decline_codes = declines.most_common(top)
    health.refunded_minor = _scalar(
        select(func.sum(Refund.amount_minor)).where(
            Refund.status == "succeeded",
            Refund.currency == currency,
            Refund.created_at >= since,
            Refund.created_at < until,
        )
    )
    opened = (Dispute.created_at >= since, Dispute.created_at < until)
    health.disputes_opened = _scalar(select(func.count(Dispute.id)).where(*opened))
    health.disputes_open = _scalar(
        select(func.count(Dispute.id)).where(*opened, Dispute.status.in_(OPEN_DISPUTE_STATUSES))
    )
    health.failed_events = _scalar(
        select(func.count()).select_from(StripeEvent).where(
            StripeEvent.status == "failed",
            StripeEvent.received_at >= since,
            StripeEvent.received_at < until,
        )
    )
    return health


def health_windows(currency: str, now: datetime | None = None) -> list[Health]:
    """Health for the last 24 hours, 7 days and 30 days."""
    now = now or utcnow()
    return [payment_health(label, now - span, currency, until=now) for label, span in WINDOWS]


@dataclass
class Attention:
    """What needs a person now, whenever it began."""

    open_disputes: int = 0
    next_evidence_due: datetime | None = None  # the nearest deadline still ahead
    failed_events: int = 0
    stuck_processing: int = 0
    failed_refunds: int = 0
    failed_refund_orders: list[str] = field(default_factory=list)  # the latest few
    last_webhook_at: datetime | None = None
    # Orders paid after the last webhook arrived, longer ago than WEBHOOK_GRACE, about
    # whose PaymentIntents no event has arrived either.
    paid_without_webhook: int = 0

    @property
    def webhooks_missing(self) -> bool:
        return self.paid_without_webhook > 0

    @property
    def stuck_hours(self) -> int:
        return int(STUCK_PROCESSING.total_seconds() // 3600)


def _failed_refunds_left():
    """Failed refunds with no refund asked for on their order since (one that did not
    fail too), and that no admin marked as paid back another way: the money they were
    to send back has not gone. One on a payment charged back since is left out, as is
    one that failed as its payment was disputed, until that dispute ends with the money
    kept by the shop: the dispute decides where that money goes
    (`failed_refunds.left_to_dispute`)."""
    # Apart from the caller's own tables.
    since, disputed, kept = aliased(Refund), aliased(Order), aliased(Order)
    # failed_refunds.settled_elsewhere_key, in SQL: `||` on PostgreSQL and SQLite alike,
    # and an equality on the timeline's unique (order_id, key) index.
    settled_key = literal("refund:") + Refund.stripe_refund_id + literal(":settled")
    return (
        Refund.status == "failed",
        or_(Refund.failure_reason.is_distinct_from(DISPUTED_WHILE_PENDING),
            exists().where(kept.id == Refund.order_id,
                           kept.dispute_status.in_(DISPUTE_KEPT_STATUSES))),
        ~exists().where(
            since.order_id == Refund.order_id,
            since.id != Refund.id,
            since.created_at >= Refund.updated_at,
            since.status.not_in(("failed", "canceled")),
        ),
        ~exists().where(OrderEvent.order_id == Refund.order_id, OrderEvent.key == settled_key),
        # Nor on a payment charged back: the dispute, not a refund, returns that money.
        ~exists().where(disputed.id == Refund.order_id,
                        disputed.dispute_status.in_(CHARGEBACK_STATUSES)),
    )


def failed_refunds_left_on(order: Order) -> set[int]:
    """The ids of the order's refunds that `needs_attention` counts as failed refunds."""
    return set(db.session.execute(
        select(Refund.id).where(Refund.order_id == order.id, *_failed_refunds_left())
    ).scalars())


def needs_attention(now: datetime | None = None) -> Attention:
    """Open disputes, failed webhook events and refunds, orders stuck in processing and
    whether Stripe's webhooks still arrive, over all time: two or three statements."""
    now = now or utcnow()

    def count(*where, of=Order.id):
        return select(func.count(of)).where(*where)

    figures = {
        "last_webhook_at": select(func.max(StripeEvent.received_at)),
        "open_disputes": count(Dispute.status.in_(OPEN_DISPUTE_STATUSES), of=Dispute.id),
        "next_evidence_due": select(func.min(Dispute.evidence_due_by)).where(
            Dispute.status.in_(NEEDS_RESPONSE), Dispute.evidence_due_by > now
        ),
        "failed_events": count(StripeEvent.status == "failed", of=StripeEvent.id),
        "stuck_processing": count(
            Order.status == "processing", Order.updated_at < now - STUCK_PROCESSING
        ),
        "failed_refunds": count(*_failed_refunds_left(), of=Refund.id),
    }
    row = db.session.execute(
        select(*(query.scalar_subquery().label(name) for name, query in figures.items()))
    ).one()
    attention = Attention(**row._asdict())
    attention.paid_without_webhook = _paid_without_webhook(attention.last_webhook_at, now)
    if attention.failed_refunds:
        attention.failed_refund_orders = list(db.session.execute(
            select(Order.number)
            .join(Refund, Refund.order_id == Order.id)
            .where(*_failed_refunds_left())
            .group_by(Order.number)
            .order_by(func.max(Refund.updated_at).desc())
            .limit(FAILED_REFUND_ORDERS_SHOWN)
        ).scalars())
    return attention


def _paid_without_webhook(last_webhook_at: datetime | None, now: datetime) -> int:
    """Orders paid after the last webhook (or in the last 30 days, if none ever came)
    and before the grace period, none of whose PaymentIntents any stored event is about.

    The order's paid_at index bounds the rows to those paid since the last webhook, a
    handful while webhooks arrive. An order the webhook itself paid is a moment younger
    than its event, and is told apart by that event.
    """
    since = last_webhook_at or now - WINDOWS[-1][1]
    announced = exists().where(
        Payment.order_id == Order.id, StripeEvent.object_id == Payment.intent_id
    )
    return _scalar(select(func.count(Order.id)).where(
        Order.paid_at > since, Order.paid_at <= now - WEBHOOK_GRACE, ~announced
    ))


def _day_of(column):
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def revenue_per_day(currency: str, days: int = 30, today: date | None = None) -> list[tuple]:
    """[(day, revenue_minor)] for each of the last `days` days (UTC), oldest first."""
    today = today or utcnow().date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time.min, tzinfo=UTC)
    until = datetime.combine(today + timedelta(days=1), time.min, tzinfo=UTC)
    day = _day_of(Order.paid_at)
    rows = db.session.execute(
        select(day, func.sum(Order.total_minor))
        .where(Order.paid_at >= since, Order.paid_at < until, Order.currency == currency)
        .group_by(day)
    )
    totals = {str(d): int(total) for d, total in rows}
    series = [first + timedelta(days=n) for n in range(days)]
    return [(d, totals.get(d.isoformat(), 0)) for d in series]
