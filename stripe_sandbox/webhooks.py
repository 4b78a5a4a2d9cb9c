"""Webhook delivery: a background sender that signs each attempt as Stripe does.

Events are queued in creation order and sent by a small pool of daemon threads, so an API
request never waits on the shop. At most ``concurrency`` attempts are in flight at once;
they are started in queue order but, as with Stripe, may finish in any order
(``concurrency`` 1 sends strictly one at a time, in order). A failed attempt (non-2xx,
timeout, refused connection) is retried after ``retry_base * 2**(attempt - 1)`` seconds,
up to ``max_attempts``. As on a Stripe webhook endpoint, only events whose type is in
``enabled_events`` (``["*"]``: every type) are queued; the others are still created and
listed, just never sent. The control switches (duplicate, reverse, delay, drop) shape the
deliveries of later events. The lock is never held while a request is sent.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import http.client
import itertools
import json
import random
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

REVERSE_WINDOW = 1.0  # a reverse batch that stays short is released after this long
MAX_CONCURRENCY = 64
ALL_EVENTS = ("*",)
# Stripe's event types: lower-case words joined by dots, e.g. charge.dispute.funds_withdrawn.
_EVENT_TYPE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header for ``payload``: ``t=<unix>,v1=<hex hmac>``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def check_url(url: str | None) -> None:
    """Webhooks go to http(s) URLs only (urllib would also open file: and others)."""
    if url is not None and not url.startswith(("http://", "https://")):
        raise ValueError(f"forward_to must be an http:// or https:// URL, not {url!r}")


def check_concurrency(value: Any) -> int:
    """How many deliveries may be in flight at once: a whole number from 1 to 64."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"webhook_concurrency must be a whole number, not {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"webhook_concurrency must be a whole number, not {value!r}") from None
    if not 1 <= number <= MAX_CONCURRENCY:
        raise ValueError(f"webhook_concurrency must be between 1 and {MAX_CONCURRENCY}, "
                         f"not {number}")
    return number


def check_enabled_events(value: Any) -> list[str]:
    """The event types an endpoint receives, as Stripe's ``enabled_events``: a list of types
    such as ``payment_intent.succeeded``, or ``["*"]`` (also just ``"*"``) for every type."""
    if value == "*":
        return list(ALL_EVENTS)
    if not isinstance(value, list | tuple) or not value:
        raise ValueError("enabled_events must be a non-empty list of event types "
                         f"(or [\"*\"] for all), not {value!r}")
    for event_type in value:
        if event_type != "*" and not (isinstance(event_type, str) and len(event_type) <= 100
                                      and _EVENT_TYPE.fullmatch(event_type)):
            raise ValueError(f"enabled_events: {event_type!r} is not an event type such as "
                             "'payment_intent.succeeded'")
    if "*" in value and len(value) > 1:
        # Stripe's rules for mixing them are unverified; "*" with more is most likely a slip.
        raise ValueError('enabled_events: "*" already enables every type; give it alone')
    return list(dict.fromkeys(value))


@dataclass
class Delivery:
    id: int
    event_id: str
    type: str
    body: bytes
    attempts: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False
    delivered: bool = False
    dropped: bool = False
    next_at: float = 0.0  # time.monotonic() of the next attempt, for the queue
    queued_at: float = field(default_factory=time.time)
    due_at: float | None = None  # the same moment as next_at, in Unix time, for people

    def due_in(self, seconds: float) -> None:
        """Schedule the next attempt ``seconds`` from now."""
        self.next_at, self.due_at = time.monotonic() + seconds, time.time() + seconds

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "event_id": self.event_id, "type": self.type,
                "attempts": list(self.attempts), "done": self.done,
                "delivered": self.delivered, "dropped": self.dropped,
                "queued_at": self.queued_at,
                "next_attempt_at": None if self.done else self.due_at}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Stripe never follows a redirect: a 3xx answer is a failed delivery, retried."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises the 3xx as an HTTPError


_OPENER = urllib.request.build_opener(_NoRedirects)


class WebhookSender:
    def __init__(self, forward_to: str | None = None, secret: str = "whsec_sandbox",  # noqa: S107
                 retry_base: float = 1.0, max_attempts: int = 6, timeout: float = 10.0,
                 concurrency: int = 8, enabled_events: Sequence[str] = ALL_EVENTS) -> None:
        check_url(forward_to)
        self.enabled_events = check_enabled_events(enabled_events)
        self.forward_to, self.secret = forward_to, secret
        self.retry_base, self.max_attempts, self.timeout = retry_base, max_attempts, timeout
        self.concurrency = check_concurrency(concurrency)
        # Called with an event's id when a delivery of it gets a 2xx, before the delivery
        # counts as done and with no lock of the sender's held: the account then counts
        # no endpoint still owed the event.
        self.on_delivered: Callable[[str], None] | None = None
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._seq = itertools.count()
        self._threads: list[threading.Thread] = []
        self._busy = 0  # attempts being sent, of any generation (bounded by concurrency)
        self.reset()

    def reset(self) -> None:
        """Forget every delivery and switch; an attempt in flight is finished but ignored
        (it still occupies its place in the pool until it ends)."""
        with self._cond:
            self._generation = getattr(self, "_generation", 0) + 1
            self._queue: list[tuple[float, int, Delivery]] = []
            self._held: list[Delivery] = []
            self._held_at = 0.0
            self._in_flight = 0
            self.deliveries: list[Delivery] = []
            self.duplicate_count, self.duplicate_rate = 0, 0.0
            self.reverse_count, self.drop_count, self.delay = 0, 0, 0.0
            self._cond.notify_all()

    def configure(self, **settings: Any) -> None:
        check_url(settings.get("forward_to"))
        if "concurrency" in settings:
            settings["concurrency"] = check_concurrency(settings["concurrency"])
        if "enabled_events" in settings:
            settings["enabled_events"] = check_enabled_events(settings["enabled_events"])
        with self._cond:
            for name, value in settings.items():
                setattr(self, name, value)
            if self._threads:
                self._start()
            self._cond.notify_all()

    def behave(self, *, duplicate: float | None = None, reverse: int | None = None,
               delay: float | None = None, drop: int | None = None) -> None:
        """Set the switches; see the control API for what each one means."""
        with self._cond:
            if duplicate is not None:
                if isinstance(duplicate, float) and 0 < duplicate < 1:
                    self.duplicate_rate = duplicate
                else:
                    self.duplicate_count, self.duplicate_rate = int(duplicate), 0.0
            if reverse is not None:
                self._release_held()
                self.reverse_count = int(reverse)
            if delay is not None:
                self.delay = float(delay)
            if drop is not None:
                self.drop_count = int(drop)

    def switches(self) -> dict[str, Any]:
        return {"duplicate": self.duplicate_count or self.duplicate_rate,
                "reverse": self.reverse_count, "delay": self.delay, "drop": self.drop_count}

    # -- producing ------------------------------------------------------------------

    def enables(self, event_type: str) -> bool:
        """Whether the endpoint receives events of this type."""
        enabled = self.enabled_events  # replaced whole by configure, never changed in place
        return "*" in enabled or event_type in enabled

    def enqueue(self, event: dict[str, Any]) -> int:
        """Queue ``event`` for delivery; returns how many endpoints will get it (0 or 1)."""
        if not self.forward_to or not self.enables(event["type"]):
            return 0
        # The body shows the event as it stands once queued: one endpoint has yet to get it
        # (the count is set on the stored event only after this returns).
        body = json.dumps({**event, "pending_webhooks": 1}, indent=2).encode()
        with self._cond:
            copies = 1
            if self.duplicate_count > 0:
                self.duplicate_count -= 1
                copies = 2
            elif self.duplicate_rate and random.random() < self.duplicate_rate:
                copies = 2
            for _ in range(copies):
                self._add(Delivery(next(self._ids), event["id"], event["type"], body))
            self._start()
            self._cond.notify_all()
        return 1

    def _add(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        if self.drop_count > 0:
            self.drop_count -= 1
            delivery.done = delivery.dropped = True
            return
        delivery.due_in(self.delay)
        if self.reverse_count > 0:
            self.reverse_count -= 1
            self._held.append(delivery)
            self._held_at = time.monotonic()
            if self.reverse_count == 0:
                self._release_held()
            return
        heapq.heappush(self._queue, (delivery.next_at, next(self._seq), delivery))

    def _release_held(self) -> None:
        if not self._held:
            return
        due = max(d.next_at for d in self._held)
        due_at = max(d.due_at for d in self._held)
        for delivery in reversed(self._held):
            delivery.next_at, delivery.due_at = due, due_at
            heapq.heappush(self._queue, (due, next(self._seq), delivery))
        self._held = []
        self.reverse_count = 0

    # -- consuming ------------------------------------------------------------------

    def idle(self) -> bool:
        return not self._queue and not self._held and self._in_flight == 0

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is queued, held or in flight; False on timeout."""
        with self._cond:
            return self._cond.wait_for(self.idle, timeout)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._cond:
            return [delivery.as_dict() for delivery in self.deliveries]

    def sending(self) -> dict[str, int]:
        """Attempts being sent right now: ``in_flight`` (what ``wait_idle`` waits for) and
        ``in_flight_before_reset`` (begun before the last reset: still taking a place in
        the pool until they end, their outcome ignored)."""
        with self._cond:
            return {"in_flight": self._in_flight,
                    "in_flight_before_reset": self._busy - self._in_flight}

    def _start(self) -> None:
        """Grow the pool to ``concurrency`` workers (lock held); it never shrinks, the
        ``_busy`` count keeps surplus workers waiting."""
        while len(self._threads) < self.concurrency:
            thread = threading.Thread(target=self._run, daemon=True,
                                      name=f"sandbox-webhooks-{len(self._threads) + 1}")
            self._threads.append(thread)
            thread.start()

    def _next(self) -> tuple[Delivery, int, str, str]:
        with self._cond:
            while True:
                now = time.monotonic()
                if self._held and now - self._held_at >= REVERSE_WINDOW:
                    self._release_held()
                can_send = self.forward_to and self._busy < self.concurrency
                if can_send and self._queue and self._queue[0][0] <= now:
                    _, _, delivery = heapq.heappop(self._queue)
                    self._in_flight += 1
                    self._busy += 1
                    return delivery, self._generation, self.forward_to, self.secret
                waits = [REVERSE_WINDOW] if self._held else []
                if can_send and self._queue:  # else a finished send or configure wakes us
                    waits.append(self._queue[0][0] - now)
                self._cond.wait(max(0.005, min(waits)) if waits else None)

    def _run(self) -> None:
        while True:
            delivery, generation, url, secret = self._next()
            outcome = self._send(delivery.body, url, secret)
            if 200 <= outcome.get("status_code", 0) < 300 and self.on_delivered is not None:
                self.on_delivered(delivery.event_id)  # before the delivery counts as done
            with self._cond:
                self._busy -= 1
                if generation == self._generation:  # a reset forgot it meanwhile
                    self._in_flight -= 1
                    self._record(delivery, outcome)
                self._cond.notify_all()

    def _send(self, body: bytes, url: str, secret: str) -> dict[str, Any]:
        # ``forward_to`` is checked to be http(s) when it is configured.
        request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign(body, secret),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        })
        at = time.time()
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                return {"at": at, "status_code": response.status}
        except urllib.error.HTTPError as error:
            return {"at": at, "status_code": error.code}
        except (OSError, ValueError, http.client.HTTPException) as error:
            return {"at": at, "error": f"{type(error).__name__}: {error}"}

    def _record(self, delivery: Delivery, outcome: dict[str, Any]) -> None:
        delivery.attempts.append(outcome)
        if 200 <= outcome.get("status_code", 0) < 300:
            delivery.done = delivery.delivered = True
        elif len(delivery.attempts) >= self.max_attempts:
            delivery.done = True
        else:
            delivery.due_in(self.retry_base * 2 ** (len(delivery.attempts) - 1))
            heapq.heappush(self._queue, (delivery.next_at, next(self._seq), delivery))
