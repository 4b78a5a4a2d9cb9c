"""Running the shop and the Stripe sandbox as real processes, for soak tests and benchmarks.

    with throwaway_schema(POSTGRES_URL) as database_url:
        migrate(database_url)
        shop_port, sandbox_port = free_port(), free_port()
        sandbox = start_sandbox_process(sandbox_port, forward_to=webhook_url(shop_port))
        shop = start_gunicorn(shop_env(database_url, sandbox.url), port=shop_port)
        ...
        stop_all(shop, sandbox)

Everything listens on 127.0.0.1 only; processes log to files under `log_dir`, which
tests read afterwards (for example to prove no secret was ever logged).
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text

from shop.services.webhooks import handled_event_types
from stripe_sandbox.testing import SandboxControl

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET_KEY = "sk_test_soak"
PUBLISHABLE_KEY = "pk_test_soak"
WEBHOOK_SECRET = "whsec_soak"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def webhook_url(shop_port: int) -> str:
    return f"http://127.0.0.1:{shop_port}/webhooks/stripe"


@dataclass
class Running:
    """A started process, where it listens, and the file it logs to."""

    name: str
    process: subprocess.Popen
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (a graceful shutdown for gunicorn), then SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@dataclass
class SandboxProcess(Running):
    @property
    def control(self) -> SandboxControl:
        return SandboxControl(self.url)


def _spawn(name: str, args: list[str], env: dict, log_dir: Path) -> tuple[subprocess.Popen, Path]:
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, log_path


def wait_until_up(url: str, timeout: float = 30, process: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers at all (any HTTP status); fail early if `process` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310  (a loopback URL)
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not come up within {timeout} s")


def start_sandbox_process(
    port: int | None = None,
    *,
    forward_to: str | None = None,
    webhook_secret: str = WEBHOOK_SECRET,
    retry_base: float = 0.2,
    max_attempts: int = 8,
    events: Sequence[str] | None = None,
    log_dir: Path | None = None,
) -> SandboxProcess:
    """`python -m stripe_sandbox` on 127.0.0.1, waited for. It sends webhooks of the
    `events` types only: by default those the shop handles, as in production."""
    port = port or free_port()
    events = handled_event_types() if events is None else events
    args = [sys.executable, "-m", "stripe_sandbox", "--host", "127.0.0.1", "--port", str(port),
            "--webhook-secret", webhook_secret, "--retry-base", str(retry_base),
            "--max-attempts", str(max_attempts), "--events", ",".join(events), "--quiet"]
    if forward_to:
        args += ["--forward-to", forward_to]
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="sandbox-"))
    process, log_path = _spawn(f"sandbox-{port}", args, dict(os.environ), log_dir)
    sandbox = SandboxProcess("sandbox", process, f"http://127.0.0.1:{port}", log_path)
    wait_until_up(f"{sandbox.url}/_sandbox/config", process=process)
    return sandbox


def shop_env(database_url: str, sandbox_url: str, **overrides: str) -> dict[str, str]:
    """The environment of a shop process pointed at `database_url` and a sandbox."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "SHOP_"))}
    env.update({
        "FLASK_APP": "wsgi.py",
        "SHOP_ENV": "development",
        "SECRET_KEY": "soak-" + secrets.token_hex(8),
        "DATABASE_URL": database_url,
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": sandbox_url,
        "STRIPE_JS_URL": f"{sandbox_url}/v3/",
        "RATELIMIT_ENABLED": "0",  # every soak customer comes from 127.0.0.1
        "PYTHONUNBUFFERED": "1",
    })
    env.update(overrides)
    return env


def start_gunicorn(
    env: dict[str, str],
    *,
    port: int | None = None,
    workers: int = 2,
    threads: int = 4,
    log_dir: Path | None = None,
    app: str = "wsgi:app",
) -> Running:
    """The shop under the venv's gunicorn (threaded workers), waited for."""
    port = port or free_port()
    args = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--worker-class", "gthread", "--threads", str(threads), "--timeout", "60",
            "--graceful-timeout", "10", "--access-logfile", "-", "--error-logfile", "-", app]
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="shop-"))
    process, log_path = _spawn(f"shop-{port}", args, env, log_dir)
    shop = Running("shop", process, f"http://127.0.0.1:{port}", log_path)
    wait_until_up(f"{shop.url}/", timeout=60, process=process)
    return shop


def stop_all(*processes: Running | None) -> None:
    for running in processes:
        if running is not None:
            running.stop()


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@contextlib.contextmanager
def throwaway_schema(base_url: str, prefix: str = "soak") -> Iterator[str]:
    """A fresh PostgreSQL schema for one run; yields a URL whose search_path is it."""
    schema = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _with_search_path(base_url, schema)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def migrate(database_url: str) -> None:
    """`flask db upgrade`: the schema exactly as production builds it."""
    env = shop_env(database_url, "http://127.0.0.1:9")
    subprocess.run(
        [str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )
