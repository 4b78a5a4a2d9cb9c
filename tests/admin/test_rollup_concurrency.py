"""Many transactions at once add to the same rollup rows: none deadlocks, none is lost."""

import random
import threading
from datetime import timedelta

import pytest

from shop.extensions import db
from shop.models import Order, utcnow
from shop.services import order_rollup, orders
from tests.admin.rollup_support import assert_rollup_exact
from tests.conftest import POSTGRES_URL

WORKERS = 6
ROUNDS = 15
STATUSES = ("pending", "processing", "paid", "partially_refunded", "canceled")


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL")
def test_concurrent_order_writes_keep_the_rollup_exact(app, make_order):
    # Two days' worth of orders, so commits add to the same few hot rows.
    yesterday = utcnow() - timedelta(days=1)
    ids = [make_order(status="pending", created_at=yesterday + timedelta(hours=n % 2)).id
           for n in range(8)]
    failures: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def work(seed: int) -> None:
        rng = random.Random(seed)
        with app.app_context():
            start.wait()
            for n in range(ROUNDS):
                try:
                    # Two orders locked in id order, each changed and flushed before the
                    # next lock: rollup rows locked any earlier than commit would deadlock.
                    for order_id in sorted(rng.sample(ids, 2)):
                        order = orders.lock_order(order_id)
                        order.status = rng.choice(STATUSES)
                        order.amount_refunded_minor = rng.choice((0, order.total_minor // 2))
                        db.session.flush()
                    if rng.random() < 0.5:  # and a new order today, as a checkout would
                        now = utcnow()
                        db.session.add(Order(
                            number=f"C{seed}{n:04d}", email="c@example.com", currency="usd",
                            subtotal_minor=1000, total_minor=1000, status="pending",
                            reserved_until=now, created_at=now,
                        ))
                    db.session.commit()
                except BaseException as error:
                    db.session.rollback()
                    failures.append(error)
            db.session.remove()

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    db.session.expire_all()
    assert_rollup_exact()
    assert order_rollup.drift(db.session.connection()) == []
