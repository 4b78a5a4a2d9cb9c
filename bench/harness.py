"""Processes and measurements the benchmarks share: a throwaway PostgreSQL schema,
gunicorn and the sandbox as child processes, wrk runs, peak RSS and the machine.

Every process started here is stopped by the `Stack` that started it, also when a
benchmark fails halfway.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WRK = "/usr/bin/wrk"
# The settings the shop and the floor are both served with.
GUNICORN_SETTINGS = ["--workers", "2", "--worker-class", "gthread", "--threads", "4"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine() -> str:
    """nproc, CPU model, memory and load: the line every benchmark table starts with."""
    model = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs ({model}), {memory} RAM, load average {load}"


def peak_rss_mb(pid: int) -> float:
    """The peak resident set size (VmHWM) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the live processes `pids` have used so far, in seconds."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        tasks = Path(f"/proc/{pid}/task")
        found: list[int] = []
        for task in tasks.iterdir():
            found += [int(p) for p in (task / "children").read_text().split()]
        return found
    return []


class Schema:
    """A PostgreSQL schema of its own, dropped at the end; `url` points into it."""

    def __init__(self, base_url: str, prefix: str = "bench"):
        if not base_url.startswith("postgresql"):
            raise SystemExit(f"a PostgreSQL URL is needed, not {base_url!r}")
        self.base_url = base_url
        self.name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        sep = "&" if "?" in base_url else "?"
        self.url = f"{base_url}{sep}options=-csearch_path%3D{self.name}"
        self.engine = create_engine(self.url, pool_size=2)

    def __enter__(self) -> Schema:
        with create_engine(self.base_url).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.engine.dispose()
        admin = create_engine(self.base_url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        admin.dispose()

    def upgrade(self) -> None:
        """Create the tables the way production does: `flask db upgrade`."""
        env = {**os.environ, "DATABASE_URL": self.url, "FLASK_APP": "wsgi.py"}
        subprocess.run(
            [str(Path(sys.executable).with_name("flask")), "db", "upgrade"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )

    def scalar(self, sql: str, **params: object):
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def run(self, sql: str, **params: object) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(sql), params)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    url: str

    def workers(self) -> list[int]:
        return children(self.popen.pid)


class Stack:
    """Child processes started for one benchmark run; `close` stops them all."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.processes: list[Process] = []

    def start(self, name: str, command: list[str], env: dict, port: int,
              probe: str = "/") -> Process:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115  (closed with the process)
        popen = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                                 stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        process = Process(name, popen, f"http://127.0.0.1:{port}")
        self.processes.append(process)
        wait_until_up(process, probe)
        return process

    def gunicorn(self, name: str, app: str, env: dict, port: int | None = None) -> Process:
        port = port or free_port()
        command = [str(Path(sys.executable).with_name("gunicorn")), *GUNICORN_SETTINGS,
                   "--bind", f"127.0.0.1:{port}", app]
        return self.start(name, command, env, port)

    def sandbox(self, forward_to: str, secret: str, events: Sequence[str],
                port: int | None = None) -> Process:
        """The sandbox sending webhooks of the `events` types only, as a Stripe endpoint
        configured with those enabled events would."""
        port = port or free_port()
        command = [sys.executable, "-m", "stripe_sandbox", "--port", str(port), "--quiet",
                   "--forward-to", forward_to, "--webhook-secret", secret,
                   "--events", ",".join(events)]
        return self.start("sandbox", command, {}, port, probe="/v3/")

    def close(self) -> None:
        for process in reversed(self.processes):
            if process.popen.poll() is None:
                process.popen.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()
        self.processes.clear()


def wait_until_up(process: Process, probe: str = "/", timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited with {process.popen.returncode}")
        try:
            with urllib.request.urlopen(process.url + probe, timeout=2):  # noqa: S310
                return
        except urllib.error.HTTPError:
            return  # it answers, which is all this waits for
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{process.name} did not answer on {process.url} in {timeout} s")


@dataclass
class WrkResult:
    requests: int
    seconds: float
    errors: int
    bad_status: int
    p50_ms: float
    p99_ms: float
    worker_cpu: tuple[float, ...] = ()  # CPU seconds each of the server's workers spent

    @property
    def server_cpu_us(self) -> float | None:
        """The server's CPU per request, where measured."""
        return sum(self.worker_cpu) / self.requests * 1e6 if self.worker_cpu and self.requests \
            else None

    @property
    def one_worker_served(self) -> bool:
        """Whether one worker took every connection while the others idled.

        Each worker accepts connections for itself; when wrk opens its connections
        all at once, one worker sometimes wins every race, and the run measures one
        worker's core rather than the server.
        """
        total = sum(self.worker_cpu)
        return len(self.worker_cpu) > 1 and total > 0 and max(self.worker_cpu) > 0.9 * total

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk(url: str, seconds: float, *, connections: int = 8, threads: int = 2,
        headers: dict[str, str] | None = None, script: str = "report.lua",
        args: list[str] | None = None, server: Process | None = None) -> WrkResult:
    """One wrk run on loopback; the Lua script's done() prints its figures as JSON.

    With `server`, also the CPU its workers spent per request during the run."""
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
               "--timeout", "10s", "-s", str(BENCH / script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    if args:
        command += ["--", *args]
    workers = server.workers() if server else []
    cpu_before = [cpu_seconds([pid]) for pid in workers]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    worker_cpu = tuple(cpu_seconds([pid]) - before for pid, before in zip(workers, cpu_before,
                                                                          strict=True))
    line = next(x for x in output.splitlines() if x.startswith("{"))
    data = json.loads(line)
    return WrkResult(data["requests"], data["seconds"], data["errors"], data["status"],
                     data["p50"] / 1000, data["p99"] / 1000, worker_cpu)
