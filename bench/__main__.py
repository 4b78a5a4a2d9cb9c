"""`make bench`: the shop against the floor of its own stack, in one run, one table.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python -m bench

Starts the Stripe sandbox, the shop and the floor (bench/floor.py) under gunicorn
with the same settings, on a throwaway PostgreSQL schema built by `flask db upgrade`
and seeded with a realistic data set; drives them with wrk on loopback; pays orders
end to end over HTTP; posts signed webhooks with duplicates; runs the admin history
benchmark; and prints one table of figures with the floor's number beside the shop's.
It prints; it never asserts a timing. Options: `python -m bench --help`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import stripe

from bench import checks, flows, report
from bench.harness import (
    DEFAULT_DATABASE_URL,
    Process,
    Schema,
    Stack,
    WrkResult,
    free_port,
    machine,
    peak_rss_mb,
    wrk,
)
from bench.seed import seed, stocked_slugs
from shop.services.webhooks import handled_event_types

SECRET_KEY, PUBLISHABLE_KEY, WEBHOOK_SECRET = "sk_test_bench", "pk_test_bench", "whsec_bench"
VISITOR = "203.0.113.7"


def shop_env(schema: Schema, sandbox_url: str) -> dict[str, str]:
    return {
        "SHOP_ENV": "production", "SECRET_KEY": "bench-secret", "DATABASE_URL": schema.url,
        "STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": sandbox_url,
        "STRIPE_JS_URL": f"{sandbox_url}/v3/", "PROXY_FIX": "1",
    }


def libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


# A run in which one worker took every connection measures one core, not the server:
# it is run again, up to this many times.
RERUNS = 3


def measure(server: Process, url: str, options, headers: dict | None) -> tuple[WrkResult, int]:
    """One wrk run of `url`, run again while one worker served every connection; returns
    the run and how many times it was run again."""
    result = wrk(url, options.seconds, headers=headers, server=server)
    reruns = 0
    while result.one_worker_served and reruns < RERUNS:
        reruns += 1
        result = wrk(url, options.seconds, headers=headers, server=server)
    if result.bad_status:
        # An error page is cheaper than the page: its rate would measure the wrong thing.
        raise RuntimeError(f"{url} answered {result.bad_status:,} requests with 4xx or 5xx")
    return result, reruns


def deliver(server: Process, path: str, templates: list[dict], tmp: Path,
            options) -> tuple[WrkResult, str, int]:
    """wrk posting signed copies of `templates` (30% of deliveries repeats) to `path`.

    A run in which one worker took every connection is run again, with events of new
    ids: the first run's would all be duplicates by then. Returns the run, its events'
    id prefix, and how many runs were run again."""
    for attempt in range(RERUNS + 1):
        prefix = f"evt_bench_{attempt}_"
        file = tmp / f"deliveries-{server.name}-{attempt}.txt"
        flows.delivery_file(file, templates, 30_000, 0.3, WEBHOOK_SECRET, prefix)
        result = wrk(server.url + path, options.seconds * 2, script="webhooks.lua",
                     args=[str(file), "2"], server=server)
        if not result.one_worker_served:
            break
    return result, prefix, attempt


def compare(sides: dict[str, tuple[Process, str]], options,
            headers: dict | None = None) -> tuple[dict[str, WrkResult], int]:
    """Alternate the sides' runs; keep each side's best (the least disturbed) run.

    `sides` maps a side's name ("shop", "floor") to the server and the page's URL on
    it. Returns the best runs by side, and how many runs were run again."""
    best: dict[str, WrkResult] = {}
    reruns = 0
    for _, url in sides.values():
        wrk(url, 1, headers=headers)  # warm up: caches, connections, compiled templates
    for _ in range(options.rounds):
        for side, (server, url) in sides.items():
            result, again = measure(server, url, options, headers)
            reruns += again
            if side not in best or result.rate > best[side].rate:
                best[side] = result
    return best, reruns


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="shop/floor runs per page")
    parser.add_argument("--pay-seconds", type=float, default=15, help="end-to-end paying")
    parser.add_argument("--customers", type=int, default=16, help="concurrent paying customers")
    parser.add_argument("--admin-sizes", type=int, nargs="*",
                        default=[10_000, 100_000, 1_000_000], help="orders; none to skip")
    parser.add_argument("--no-profile", action="store_true", help="skip the profile section")
    options = parser.parse_args()
    base_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL

    started = time.monotonic()
    print(f"Machine: {machine()}", flush=True)
    rows: list[report.Row] = []
    notes: list[str] = []
    profile: list[str] = []
    with Schema(base_url) as schema, tempfile.TemporaryDirectory() as tmp:
        schema.upgrade()
        seed(schema)
        stack = Stack(Path(tmp))
        try:
            env, sizes = run(stack, schema, options, rows, notes, Path(tmp))
            missed = [row for row in rows if row.profile and not row.met]
            if missed and not options.no_profile:
                print("profiling ...", flush=True)
                profile = report.profiles(env, missed, sizes)
        finally:
            stack.close()
    if options.admin_sizes:
        print("admin order history ...", flush=True)
        rows += checks.admin_history(base_url, options.admin_sizes, notes)
    report.table(rows, notes, machine(), time.monotonic() - started)
    if profile:
        print("\nWhere the time goes on pages below target (cProfile, one process):")
        print("\n".join(profile))


def run(stack: Stack, schema: Schema, options, rows: list, notes: list,
        tmp: Path) -> tuple[dict, dict]:
    """Everything that needs the servers; returns the shop's settings and page sizes."""
    shop_port = free_port()
    hook = f"http://127.0.0.1:{shop_port}/webhooks/stripe"
    # As in production, the endpoint enables only the event types the shop handles.
    enabled = handled_event_types()
    sandbox = stack.sandbox(hook, WEBHOOK_SECRET, enabled)
    env = shop_env(schema, sandbox.url)
    shop = stack.gunicorn("shop", "wsgi:app", env, port=shop_port)
    products = [(slug, int(slug.split("-")[1])) for slug in stocked_slugs()]

    visitor = flows.Browser(shop.url, VISITOR)
    pages = {"catalog": "/", "product": f"/products/{products[0][0]}"}
    sizes = {name: len(visitor.get(path)) for name, path in pages.items()}
    visitor.post_form("/cart/add", {"product_id": products[0][1], "quantity": 1})
    location = visitor.post_form("/checkout", {"email": "browsing@example.com"})["Location"]
    pages["pay"] = urlsplit(location).path
    sizes["pay"] = len(visitor.get(pages["pay"]))
    floor = stack.gunicorn("floor", "bench.floor:app", {
        "FLOOR_PAGE_BYTES": ",".join(f"{k}={v}" for k, v in sizes.items()),
        "FLOOR_DATABASE_URL": libpq_url(schema.url), "FLOOR_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "FLOOR_ORDER_NUMBER": pages["pay"].split("/")[2],
    })
    headers = {"Cookie": visitor.cookie, "X-Forwarded-For": VISITOR}
    reruns = 0
    for name, target in (("catalog", 0.6), ("product", 0.6), ("pay", 0.5)):
        print(f"{name} page ...", flush=True)
        sides = {"floor": (floor, f"{floor.url}/{name}"), "shop": (shop, shop.url + pages[name])}
        if name == "pay":
            # What the floor allows a page that must read the order: the floor's page
            # after the pay page's one read of it.
            sides["floor reading"] = (floor, f"{floor.url}/pay/read")
        best, again = compare(sides, options, headers)
        reruns += again
        rows.append(report.Row.versus(f"{name} page req/s", best["shop"], best["floor"], target))
        rows[-1].profile = pages[name], headers["Cookie"]
        if "floor reading" in best:
            rows.append(report.Row.versus(f"{name} page vs floor reading order", best["shop"],
                                          best["floor reading"], None))
    notes.append(f"pages: {', '.join(f'{k} {v:,} B' for k, v in sizes.items())}; wrk 2 threads,"
                 f" 8 connections, best of {options.rounds} x {options.seconds:g} s per side;"
                 " one returning visitor's session cookie; runs repeated because one worker had"
                 f" taken all 8 connections while the other idled: {reruns}")

    print("paying end to end ...", flush=True)
    floor_page = max(r.floor for r in rows)
    paid, seconds = checks.pay_end_to_end(shop, sandbox, products, options, PUBLISHABLE_KEY)
    deliveries = checks.deliveries(sandbox)
    per_order = 6 + deliveries / max(1, len(paid.numbers))
    rows.append(report.Row("paid orders/s end to end", len(paid.numbers) / seconds,
                           floor_page / per_order, 30, unit="/s", absolute=True))
    notes.append(
        f"end to end: {options.customers} customers, {len(paid.numbers)} orders in {seconds:.1f} s"
        f" until the last webhook was processed ({deliveries} deliveries, of the"
        f" {len(enabled)} event types the shop handles and enables); {per_order:.1f}"
        " HTTP requests to the shop per order, so the floor column is the floor's best page"
        " rate divided by that; webhooks were processed at"
        f" {deliveries / seconds:.0f}/s, which at {per_order - 6:.0f} per order caps paying at"
        f" {deliveries / seconds / (per_order - 6):.0f} orders/s; "
        + checks.exactly_once(schema, paid, len(paid.failures)))

    print("webhooks ...", flush=True)
    events = stripe.StripeClient(SECRET_KEY, base_addresses={"api": sandbox.url})
    # Only events the endpoint enables are delivered to the shop, so only those are copied.
    templates = [e.to_dict() for e in events.v1.events.list({"limit": 100}).auto_paging_iter()
                 if e.type in enabled]
    if not templates:
        raise RuntimeError("the sandbox holds no event of an enabled type to copy")
    shop_hooks, prefix, shop_again = deliver(shop, "/webhooks/stripe", templates, tmp, options)
    floor_hooks, _, floor_again = deliver(floor, "/hook", templates, tmp, options)
    rows.append(report.Row.versus("webhook deliveries/s, 30% dup", shop_hooks, floor_hooks, 400,
                                  absolute=True))
    notes.append(checks.webhook_outcome(schema, shop_hooks, templates, prefix) + "; "
                 + checks.exactly_once(schema, paid, 0) + "; runs repeated because one worker"
                 f" had taken all 8 connections: {shop_again + floor_again}")

    shop_rss = max(peak_rss_mb(pid) for pid in shop.workers())
    floor_rss = max(peak_rss_mb(pid) for pid in floor.workers())
    rows.append(report.Row("peak RSS per worker", shop_rss, floor_rss, 100, unit="MB",
                           absolute=True, lower_is_better=True))
    return env, sizes


if __name__ == "__main__":
    main()
