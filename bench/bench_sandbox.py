"""How many create+confirm pairs per second the Stripe sandbox serves through the SDK.

    .venv/bin/python bench/bench_sandbox.py [--pairs 300] [--threads 1 4] [--in-process]

By default the sandbox runs in its own process (as ``make run`` starts it), so the
client's CPU time does not compete with the server for the GIL.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import stripe

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_process() -> tuple[str, subprocess.Popen]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_sandbox", "--port", str(port), "--quiet"], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/", timeout=1):  # noqa: S310  (loopback)
                return url, process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the sandbox did not start")


def run_pairs(url: str, pairs: int, threads: int) -> float:
    """Create and confirm ``pairs`` intents from ``threads`` threads; returns pairs/s."""
    local = threading.local()

    def one(_: int) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = stripe.StripeClient(
                "sk_test_bench", base_addresses={"api": url})
        intent = client.v1.payment_intents.create(params={
            "amount": 1999, "currency": "usd", "payment_method_types": ["card"]})
        confirmed = client.v1.payment_intents.confirm(
            intent.id, params={"payment_method": "pm_card_visa"})
        if confirmed.status != "succeeded":
            raise RuntimeError(f"unexpected status {confirmed.status}")

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(pairs)))
    return pairs / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=300, help="pairs per run")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4],
                        help="client thread counts to try")
    parser.add_argument("--in-process", action="store_true",
                        help="serve the sandbox from a thread of this process instead")
    options = parser.parse_args()

    if options.in_process:
        from stripe_sandbox.testing import run_sandbox

        running = run_sandbox()
        url, stop = running.url, running.stop
    else:
        url, process = start_process()
        stop = process.terminate
    try:
        run_pairs(url, 20, 1)  # warm up
        rows = [(threads, run_pairs(url, options.pairs, threads))
                for threads in options.threads]
    finally:
        stop()
    where = "in-process thread" if options.in_process else "separate process"
    print(f"Stripe sandbox ({where}), {options.pairs} create+confirm pairs per run")
    print(f"{'client threads':>14} | {'pairs/s':>8} | {'requests/s':>10}")
    print(f"{'-' * 14}-+-{'-' * 8}-+-{'-' * 10}")
    for threads, rate in rows:
        print(f"{threads:>14} | {rate:>8.1f} | {rate * 2:>10.1f}")


if __name__ == "__main__":
    main()
