"""The floor: the least a Flask page can cost on this stack, served like the shop.

    FLOOR_PAGE_BYTES="catalog=4352,product=2035,pay=3900" gunicorn bench.floor:app

Each page renders a Jinja template (a base layout extended by a page with a loop of
product rows) padded to exactly the byte size of the shop's page of the same name, so
the shop and the floor send the same amount per response. No database, no session,
no extensions: whatever the shop spends beyond this is its own work.

`POST /hook` is the floor of a webhook delivery: check the Stripe-Signature HMAC and
store the event id once in PostgreSQL (`INSERT ... ON CONFLICT DO NOTHING`, commit),
with FLOOR_DATABASE_URL (a libpq URL) and FLOOR_WEBHOOK_SECRET.
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

    inbox = Inbox(os.environ.get("FLOOR_DATABASE_URL"), os.environ.get("FLOOR_WEBHOOK_SECRET"))

    @app.post("/hook")
    def hook():
        return inbox.receive(request.get_data(), request.headers.get("Stripe-Signature", ""))

    return app


class Inbox:
    """Verify a signed event and store its id once: all a delivery must do."""

    def __init__(self, url: str | None, secret: str | None):
        self.url, self.secret = url, (secret or "").encode()
        self.local = threading.local()
        if url:
            # Both workers start at once, and PostgreSQL's IF NOT EXISTS does not cover a
            # table being created at the same moment: then the other worker made it.
            with psycopg.connect(url, autocommit=True) as conn, \
                    contextlib.suppress(psycopg.errors.UniqueViolation):
                conn.execute("CREATE TABLE IF NOT EXISTS floor_inbox (id text PRIMARY KEY)")

    def _connection(self) -> psycopg.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = psycopg.connect(self.url)
        return conn

    def receive(self, body: bytes, signature: str):
        parts = dict(p.split("=", 1) for p in signature.split(",") if "=" in p)
        signed = parts.get("t", "").encode() + b"." + body
        expected = hmac.new(self.secret, signed, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            return jsonify(outcome="bad signature"), 400
        event_id = json.loads(body)["id"]
        conn = self._connection()
        stored = conn.execute(
            "INSERT INTO floor_inbox (id) VALUES (%s) ON CONFLICT DO NOTHING", (event_id,)
        ).rowcount
        conn.commit()
        return jsonify(outcome="processed" if stored else "duplicate")


app = create_app()
