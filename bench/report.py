"""The table `make bench` prints, and the profile it adds for a page that misses its
target: where the shop's time goes, next to what the floor needs for the same page."""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import time
from dataclasses import dataclass

from bench.harness import WrkResult


@dataclass
class Row:
    name: str
    shop: float
    floor: float | None
    target: float | None  # None: a figure that explains another, with no target of its own
    unit: str = "/s"
    absolute: bool = False  # the target is for the shop's own number, not shop/floor
    lower_is_better: bool = False
    p99: tuple[float, float] | None = None
    profile: tuple[str, str] | None = None  # (path, cookie) to profile if the target is missed
    cpu_us: tuple[float | None, float | None] | None = None  # workers' CPU per request served

    @classmethod
    def versus(cls, name: str, shop: WrkResult, floor: WrkResult, target: float | None,
               absolute: bool = False) -> Row:
        return cls(name, shop.rate, floor.rate, target, absolute=absolute,
                   p99=(shop.p99_ms, floor.p99_ms),
                   cpu_us=(shop.server_cpu_us, floor.server_cpu_us))

    @property
    def ratio(self) -> float | None:
        return self.shop / self.floor if self.floor else None

    @property
    def met(self) -> bool:
        if self.target is None:
            return True
        value = self.shop if self.absolute else (self.ratio or 0)
        return value <= self.target if self.lower_is_better else value >= self.target

    def target_text(self) -> str:
        if self.target is None:
            return "-"
        if not self.absolute:
            return f">= {self.target:.0%} of floor"
        sign = "<=" if self.lower_is_better else ">="
        return f"{sign} {self.target:g}{' ' + self.unit if self.unit.strip('/') else self.unit}"


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"
    return text + (f" {unit}" if unit and unit != "/s" else "")


def table(rows: list[Row], notes: list[str], machine: str, seconds: float) -> None:
    header = ("figure", "shop", "floor", "shop/floor", "p99 ms shop/floor", "target", "met")
    lines = []
    for row in rows:
        ratio = f"{row.ratio:.0%}" if row.ratio is not None else "-"
        p99 = f"{row.p99[0]:.0f} / {row.p99[1]:.0f}" if row.p99 else "-"
        lines.append((row.name, _number(row.shop, row.unit), _number(row.floor, row.unit), ratio,
                      p99, row.target_text(),
                      "-" if row.target is None else "yes" if row.met else "NO"))
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    rule = "-+-".join("-" * w for w in widths)
    print()
    print(f"Machine: {machine}; whole run {seconds / 60:.1f} min")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(rule)
    for line in lines:
        cells = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:], widths[1:],
                                                                             strict=True)]
        print(" | ".join(cells))
    print()
    for note in notes:
        print(f"- {note}")


CATEGORIES = [
    ("database (SQLAlchemy, psycopg)", ("sqlalchemy", "psycopg")),
    ("templates (Jinja2, markupsafe)", ("jinja2", "markupsafe", "/templates/")),
    ("session, CSRF token, signing", ("itsdangerous", "flask/sessions", "flask_wtf", "hmac",
                                      "hashlib", "zlib", "json")),
    ("forms (WTForms)", ("wtforms",)),
    ("login (Flask-Login)", ("flask_login",)),
    ("rate limits (Flask-Limiter)", ("flask_limiter", "limits")),
    ("money formatting (Babel)", ("babel",)),
    ("shop code", ("/shop/",)),
    ("Flask and Werkzeug", ("flask", "werkzeug")),
]


def _category(filename: str) -> str:
    for name, needles in CATEGORIES:
        if any(needle in filename for needle in needles):
            return name
    return "Python builtins and stdlib"


def _wsgi(app, path: str, cookie: str) -> bytes:
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "bench",
        "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "bench", "HTTP_COOKIE": cookie, "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    return b"".join(app(environ, lambda status, headers, exc_info=None: None))


def per_request_ms(app, path: str, cookie: str, count: int = 300, rounds: int = 5) -> float:
    """The page's cost in this process: the best of `rounds` runs, the least disturbed."""
    for _ in range(30):
        _wsgi(app, path, cookie)
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(count):
            _wsgi(app, path, cookie)
        best = min(best, (time.perf_counter() - started) / count * 1000)
    return best


def profile_page(env: dict[str, str], row: Row, floor_ms: float) -> list[str]:
    """Profile the page in this process, with the shop's production settings."""
    path, cookie = row.profile
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from shop import create_app

        app = create_app()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    shop_ms = per_request_ms(app, path, cookie)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(200):
        _wsgi(app, path, cookie)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    spent: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.items():
        spent[_category(filename)] = spent.get(_category(filename), 0) + own
    total = sum(spent.values()) or 1
    parts = ", ".join(f"{name} {own / total:.0%}"
                      for name, own in sorted(spent.items(), key=lambda x: -x[1]) if own / total
                      >= 0.03)
    lines = [
        f"{row.name.split(' req/s')[0]} ({path}): {shop_ms:.2f} ms of Python per request in"
        f" process against the floor's {floor_ms:.2f} ms ({floor_ms / shop_ms:.0%}).",
    ]
    shop_cpu, floor_cpu = row.cpu_us or (None, None)
    if shop_cpu and floor_cpu:
        lines.append(
            f"  served, its workers spent {shop_cpu / 1000:.2f} ms of CPU per request (gunicorn"
            f" and the kernel included) against the floor's {floor_cpu / 1000:.2f} ms"
            f" ({floor_cpu / shop_cpu:.0%}); with both cores busy, that sets the ratio of rates."
        )
    lines.append(f"  where the shop's time goes: {parts}")
    return lines


def profiles(env: dict[str, str], rows: list[Row], sizes: dict[str, int]) -> list[str]:
    from bench.floor import create_app as floor_app

    floor = floor_app(sizes)
    lines = []
    for row in rows:
        name = row.name.split(" ")[0]
        floor_ms = per_request_ms(floor, f"/{name}", "")
        lines += profile_page(env, row, floor_ms)
    return lines
