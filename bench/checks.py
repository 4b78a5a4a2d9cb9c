"""The benchmark's stateful phases and the checks that their results are correct:
every order paid exactly once, stock that adds up, webhooks stored once each, and
an order rollup that still matches the orders after all that concurrent paying."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter

from bench import flows
from bench.harness import BENCH, ROOT, Process, Schema, WrkResult
from bench.seed import ORDERS, STOCKED
from shop.services import order_rollup
from stripe_sandbox.testing import SandboxControl


def pay_end_to_end(shop: Process, sandbox: Process, products: list[tuple[str, int]], options,
                   publishable_key: str) -> tuple[flows.PaidOrders, float]:
    """Customers pay for `options.pay_seconds`; the clock stops when the last webhook
    the payments caused has been processed."""
    started = time.monotonic()
    paid = flows.run_customers(shop.url, sandbox.url, publishable_key, products,
                               options.pay_seconds, options.customers)
    SandboxControl(sandbox.url).wait_for_deliveries(timeout=120)
    return paid, time.monotonic() - started


def deliveries(sandbox: Process) -> int:
    return len(SandboxControl(sandbox.url).deliveries())


def exactly_once(schema: Schema, paid: flows.PaidOrders, failures: int) -> str:
    """One line saying whether every order is paid exactly once and stock adds up."""
    problems = []
    numbers = paid.numbers
    with schema.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            """
            SELECT o.number, o.status,
                (SELECT count(*) FROM order_event e
                 WHERE e.order_id = o.id AND e.kind = 'status_paid'),
                (SELECT count(*) FROM payment p
                 WHERE p.order_id = o.id AND p.status = 'succeeded')
            FROM "order" o WHERE o.number = ANY(%(numbers)s)
            """,
            {"numbers": numbers},
        ).all()
        stock = conn.exec_driver_sql(
            """
            SELECT p.id, p.stock + coalesce(sum(l.quantity), 0)
            FROM product p
            LEFT JOIN order_line l ON l.product_id = p.id AND l.order_id IN (
                SELECT id FROM "order" WHERE id > %(seeded)s AND status <> 'canceled')
            WHERE p.stock > 0 OR l.id IS NOT NULL
            GROUP BY p.id, p.stock
            """,
            {"seeded": ORDERS},
        ).all()
        failed = conn.exec_driver_sql(
            "SELECT count(*) FROM stripe_event WHERE status = 'failed'").scalar()
        drifted = order_rollup.drift(conn)
    wrong = [row for row in rows if (row[1], row[2], row[3]) != ("paid", 1, 1)]
    if len(rows) != len(numbers) or wrong:
        problems.append(f"{len(wrong) + len(numbers) - len(rows)} orders not paid exactly once")
    uneven = [pid for pid, total in stock if total != STOCKED]
    if uneven:
        problems.append(f"stock does not add up for products {uneven[:5]}")
    if failed:
        problems.append(f"{failed} webhook events failed")
    if drifted:
        problems.append(f"the order rollup differs from the orders in {len(drifted)} rows")
    if failures:
        problems.append(f"{failures} customers saw an error")
    if problems:
        return "EXACTLY-ONCE VIOLATED: " + "; ".join(problems)
    return (f"checked: all {len(numbers)} orders paid, each with one payment and one 'paid'"
            " entry, stock adds up, no webhook failed, the order rollup matches the orders")


def webhook_outcome(schema: Schema, result: WrkResult, templates: list, prefix: str) -> str:
    """What the run's deliveries left in the inbox: its events are the ids with `prefix`."""
    stored = schema.scalar("SELECT count(*) FROM stripe_event WHERE starts_with(id, :prefix)",
                           prefix=prefix)
    failed = schema.scalar("SELECT count(*) FROM stripe_event WHERE starts_with(id, :prefix)"
                           " AND status = 'failed'", prefix=prefix)
    share = 1 - stored / result.requests if result.requests else 0
    types = Counter(event["type"] for event in templates)
    mix = ", ".join(f"{name} {count}" for name, count in types.most_common())
    return (f"webhooks: {result.requests:,} deliveries of {stored:,} distinct events"
            f" ({share:.0%} duplicates), {failed} failed, {result.bad_status} answered 4xx/5xx;"
            f" copies of the sandbox's own events of the types the shop handles, the only ones"
            f" its endpoint enables ({mix}), each run through its handler; the floor checks"
            " the signature and inserts the id once")


ROW = re.compile(r"^\s*([\d,]+) \| (.+?)\s*\| +([\d.]+) \| +([\d.]+) \| +(\d+)")


def admin_history(base_url: str, sizes: list[int], notes: list[str]) -> list:
    """Run bench/bench_admin_history.py and turn its table into the figures' rows."""
    from bench.report import Row

    command = [sys.executable, str(BENCH / "bench_admin_history.py"), "--sizes",
               *map(str, sizes), "--runs", "25"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "BENCH_DATABASE_URL": base_url})
    pages: dict[tuple[int, str], tuple[float, float, int]] = {}
    for line in done.stdout.splitlines():
        match = ROW.match(line)
        if match:
            size = int(match[1].replace(",", ""))
            pages[size, match[2]] = (float(match[3]), float(match[4]), int(match[5]))
    if done.returncode or not pages:
        notes.append(f"admin history benchmark failed: {done.stderr.strip()[-300:]}")
        return []
    rows = []
    for size in sorted(sizes):
        worst = max((v for (s, _), v in pages.items() if s == size), key=lambda v: v[1])
        rows.append(Row(f"admin history p95 @ {size:,}", worst[1], None, 30, unit="ms",
                        absolute=True, lower_is_better=True))
    rows.append(Row("admin history SQL/page", max(v[2] for v in pages.values()), None, 5,
                    unit="", absolute=True, lower_is_better=True))
    small, large = min(sizes), max(sizes)
    ratios = {name: pages[large, name][0] / pages[small, name][0]
              for (size, name) in pages if size == large and (small, name) in pages}
    if len(sizes) > 1 and ratios:
        worst_name = max(ratios, key=ratios.get)
        rows.append(Row(f"admin history p50 {large // 1000:,}k/{small // 1000:,}k",
                        ratios[worst_name], None, 1.5, unit="x", absolute=True,
                        lower_is_better=True))
        notes.append(f"admin history: the worst of {len({n for _, n in pages})} pages"
                     f" (filters, deep page) per size, through the test client;"
                     f" worst ratio: {worst_name}")
    return rows
