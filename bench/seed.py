"""A realistic data set for the benchmarks, written with set-based SQL in seconds.

200 products (a few sold out, a few retired), 2,000 customers, and a history of
20,000 orders with their lines, payments, timelines and webhook inbox rows, so
that every page the benchmarks load looks things up in tables of a real size.
The order rollup is recounted from them, as after any raw load.
"""

from __future__ import annotations

from sqlalchemy import text
from werkzeug.security import generate_password_hash

from bench.harness import Schema
from shop.services import order_rollup

PRODUCTS = 200
CUSTOMERS = 2_000
ORDERS = 20_000
# Products the end-to-end run buys; their stock is large enough for any run.
STOCKED = 100_000

SEED = [
    """
    INSERT INTO product (id, slug, name, description, price_minor, currency, stock, active,
        image, created_at)
    SELECT i, 'product-' || i, 'Product ' || lpad(i::text, 3, '0') || ' ' || (ARRAY[
            'mug', 'towel', 'candle', 'bowl', 'board', 'blanket', 'pan', 'notebook'])[i % 8 + 1],
        'A well made thing, number ' || i || '. ' || repeat('Sturdy and useful. ', 6),
        500 + (i * 137) % 20000, 'usd',
        CASE WHEN i % 25 = 0 THEN 0 ELSE :stocked END,
        i % 50 <> 0, NULL, now() - i * interval '1 day'
    FROM generate_series(1, :products) AS i
    """,
    """
    INSERT INTO "user" (id, email, password_hash, name, is_admin, created_at)
    SELECT i, 'customer' || i || '@example.com', :password_hash, 'Customer ' || i, false,
        now() - i * interval '1 hour'
    FROM generate_series(1, :customers) AS i
    """,
    """
    INSERT INTO "order" (id, number, user_id, email, currency, subtotal_minor, shipping_minor,
        tax_minor, total_minor, amount_refunded_minor, status, reserved_until, created_at,
        updated_at, paid_at)
    SELECT i, 'H' || lpad(i::text, 9, '0'),
        CASE WHEN i % 3 = 0 THEN NULL ELSE i % :customers + 1 END,
        'customer' || (i % :customers + 1) || '@example.com', 'usd',
        2 * (500 + (i * 137) % 20000), 0, 0, 2 * (500 + (i * 137) % 20000), 0,
        CASE WHEN i % 9 = 0 THEN 'canceled' ELSE 'paid' END,
        now() - i * interval '5 minutes' + interval '30 minutes',
        now() - i * interval '5 minutes', now() - i * interval '5 minutes',
        CASE WHEN i % 9 = 0 THEN NULL ELSE now() - i * interval '5 minutes' END
    FROM generate_series(1, :orders) AS i
    """,
    """
    INSERT INTO order_line (order_id, product_id, product_name, unit_price_minor, quantity,
        line_total_minor)
    SELECT i, i % :products + 1, 'Product ' || (i % :products + 1), 500 + (i * 137) % 20000, 2,
        2 * (500 + (i * 137) % 20000)
    FROM generate_series(1, :orders) AS i
    """,
    """
    INSERT INTO payment (order_id, intent_id, amount_minor, currency, status, charge_id,
        card_brand, card_last4, amount_refunded_minor, created_at, updated_at)
    SELECT i, 'pi_seed_' || i, 2 * (500 + (i * 137) % 20000), 'usd',
        CASE WHEN i % 9 = 0 THEN 'canceled' ELSE 'succeeded' END,
        CASE WHEN i % 9 = 0 THEN NULL ELSE 'ch_seed_' || i END, 'visa', '4242', 0,
        now() - i * interval '5 minutes', now() - i * interval '5 minutes'
    FROM generate_series(1, :orders) AS i
    """,
    """
    INSERT INTO order_event (order_id, created_at, kind, message, actor, key)
    SELECT i, now() - i * interval '5 minutes', kind, message, actor, key
    FROM generate_series(1, :orders) AS i,
    LATERAL (VALUES ('placed', 'Order placed.', 'guest', NULL),
                    ('status_paid', 'Paid with Visa 4242.', 'stripe', 'status:paid'))
        AS e(kind, message, actor, key)
    """,
    """
    INSERT INTO stripe_event (id, type, created, livemode, object_id, payload, status, attempts,
        received_at, processed_at)
    SELECT 'evt_seed_' || i, 'payment_intent.succeeded', now() - i * interval '5 minutes', false,
        'pi_seed_' || i, json_build_object('id', 'evt_seed_' || i), 'processed', 1,
        now() - i * interval '5 minutes', now() - i * interval '5 minutes'
    FROM generate_series(1, :orders) AS i
    """,
]
SEQUENCES = ["product", "user", "order", "order_line", "payment", "order_event"]


def seed(schema: Schema) -> None:
    """Fill a freshly upgraded schema and refresh the planner's statistics."""
    params = {"products": PRODUCTS, "customers": CUSTOMERS, "orders": ORDERS,
              "stocked": STOCKED, "password_hash": generate_password_hash("bench-password")}
    with schema.engine.begin() as conn:
        for statement in SEED:
            names = [name for name in params if f":{name}" in statement]
            conn.execute(text(statement), {name: params[name] for name in names})
        for table in SEQUENCES:
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f"(SELECT max(id) FROM \"{table}\"))"
            ))
        # Raw SQL bypasses the session, so recount the rollup as `flask orders rollup` does.
        order_rollup.rebuild(conn)
    schema.run("ANALYZE")


def stocked_slugs(limit: int = 20) -> list[str]:
    """Slugs of active products with stock, for the end-to-end customers to buy."""
    return [f"product-{i}" for i in range(1, PRODUCTS + 1) if i % 25 and i % 50][:limit]
