"""The floor: the least a Flask page can cost on this stack, served like the shop.

    FLOOR_PAGE_BYTES="catalog=4352,product=2035,pay=3900" gunicorn bench.floor:app

Each page renders a Jinja template (a base layout extended by a page with a loop of
product rows) padded to exactly the byte size of the shop's page of the same name, so
the shop and the floor send the same amount per response. No database, no session,
no extensions: whatever the shop spends beyond this is its own work.

`POST /hook` is the floor of a webhook delivery: check the Stripe-Signature HMAC and
store the event id once in PostgreSQL (`INSERT ... ON CONFLICT DO NOTHING`, commit),
with FLOOR_DATABASE_URL (a libpq URL) and FLOOR_WEBHOOK_SECRET.

`GET /<name>/read` is the floor of a page that shows an order: the same page, after
reading the order FLOOR_ORDER_NUMBER and its lines as the shop's pay page does (the
same columns, one statement, psycopg on a connection in autocommit, no pool).
"""

import contextlib
import hashlib
import hmac
import json
import os
import threading

import psycopg
from flask import Flask, abort, jsonify, render_template, request
from jinja2 import DictLoader

BASE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/css/shop.css"></head>
<body>
<header class="site-header"><a class="brand" href="/">Floor</a>
<nav><a href="/">Shop</a> <a href="/cart/">Cart</a></nav></header>
<main class="container">{% block content %}{% endblock %}</main>
<footer class="site-footer">Floor</footer>
</body>
</html>
"""
PAGE = """{% extends "base.html" %}
{% block content %}<h1>{{ title }}</h1>
<ul class="product-grid">
{% for row in rows %}<li class="product-card"><a href="/products/{{ row.slug }}">{{ row.name }}</a>
<span class="money">{{ row.price }}</span></li>
{% endfor %}</ul>
<!--{{ padding }}-->
{% endblock %}
"""
ROW_COUNT = 12
# The columns the shop's pay page reads (shop/services/order_summaries.py).
ORDER_READ = """SELECT o.id, o.number, o.user_id, o.email, o.currency, o.status,
       o.subtotal_minor, o.shipping_minor, o.tax_minor, o.total_minor,
       o.amount_refunded_minor, o.reserved_until,
       l.product_name, l.quantity, l.unit_price_minor, l.line_total_minor
FROM "order" o LEFT OUTER JOIN order_line l ON l.order_id = o.id
WHERE o.number = %s ORDER BY l.id"""


def page_sizes(spec: str) -> dict[str, int]:
    """'catalog=4352,pay=3900' → {'catalog': 4352, 'pay': 3900}."""
    sizes = {}
    for item in filter(None, spec.split(",")):
        name, _, size = item.partition("=")
        sizes[name.strip()] = int(size)
    return sizes


def create_app(sizes: dict[str, int] | None = None) -> Flask:
    app = Flask(__name__)
    app.jinja_loader = DictLoader({"base.html": BASE, "page.html": PAGE})
    targets = sizes if sizes is not None else page_sizes(os.environ.get("FLOOR_PAGE_BYTES", ""))
    rows = [
        {"slug": f"product-{n}", "name": f"Product number {n}", "price": f"${n}.00"}
        for n in range(1, ROW_COUNT + 1)
    ]
    padding: dict[str, str] = {}

    def render(name: str, pad: str) -> str:
        return render_template("page.html", title=name.title(), rows=rows, padding=pad)

    with app.test_request_context():
        for name, size in targets.items():
            bare = len(render(name, "").encode())
            padding[name] = "x" * max(0, size - bare)

    @app.get("/<name>")
    def page(name: str):
        if name not in padding:
            abort(404)
        return render(name, padding[name])

    database_url = os.environ.get("FLOOR_DATABASE_URL")
    inbox = Inbox(database_url, os.environ.get("FLOOR_WEBHOOK_SECRET"))
    reads = PerThread(database_url, autocommit=True)
    order_number = os.environ.get("FLOOR_ORDER_NUMBER")

    @app.post("/hook")
    def hook():
        return inbox.receive(request.get_data(), request.headers.get("Stripe-Signature", ""))

    @app.get("/<name>/read")
    def page_after_read(name: str):
        if name not in padding or not order_number:
            abort(404)
        if not reads.connection().execute(ORDER_READ, (order_number,)).fetchall():
            abort(404)
        return render(name, padding[name])

    return app


class PerThread:
    """One PostgreSQL connection per server thread, opened on first use."""

    def __init__(self, url: str | None, autocommit: bool = False):
        self.url, self.autocommit = url, autocommit
        self.local = threading.local()

    def connection(self) -> psycopg.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = psycopg.connect(self.url, autocommit=self.autocommit)
        return conn


class Inbox:
    """Verify a signed event and store its id once: all a delivery must do."""

    def __init__(self, url: str | None, secret: str | None):
        self.secret = (secret or "").encode()
        self.connections = PerThread(url)
        if url:
            # Both workers start at once, and PostgreSQL's IF NOT EXISTS does not cover a
            # table being created at the same moment: then the other worker made it.
            with psycopg.connect(url, autocommit=True) as conn, \
                    contextlib.suppress(psycopg.errors.UniqueViolation):
                conn.execute("CREATE TABLE IF NOT EXISTS floor_inbox (id text PRIMARY KEY)")

    def receive(self, body: bytes, signature: str):
        parts = dict(p.split("=", 1) for p in signature.split(",") if "=" in p)
        signed = parts.get("t", "").encode() + b"." + body
        expected = hmac.new(self.secret, signed, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            return jsonify(outcome="bad signature"), 400
        event_id = json.loads(body)["id"]
        conn = self.connections.connection()
        stored = conn.execute(
            "INSERT INTO floor_inbox (id) VALUES (%s) ON CONFLICT DO NOTHING", (event_id,)
        ).rowcount
        conn.commit()
        return jsonify(outcome="processed" if stored else "duplicate")


app = create_app()
