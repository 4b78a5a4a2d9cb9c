"""The shop's tables, one module per aggregate."""

from shop.models.base import MAX_ID, utcnow
from shop.models.card import SavedCard
from shop.models.catalog import Product
from shop.models.order import (
    CHARGEBACK_STATUSES,
    DISPUTE_KEPT_STATUSES,
    OPEN_DISPUTE_STATUSES,
    PENDING_REFUND_STATUSES,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from shop.models.payment import Dispute, Payment, Refund
from shop.models.rollup import OrderRollup
from shop.models.user import User
from shop.models.webhook import StripeEvent

__all__ = [
    "CHARGEBACK_STATUSES",
    "DISPUTE_KEPT_STATUSES",
    "MAX_ID",
    "OPEN_DISPUTE_STATUSES",
    "PENDING_REFUND_STATUSES",
    "Dispute",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderRollup",
    "OrderStatus",
    "Payment",
    "Product",
    "Refund",
    "SavedCard",
    "StripeEvent",
    "User",
    "utcnow",
]
