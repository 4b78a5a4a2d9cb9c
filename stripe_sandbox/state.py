"""The sandbox's in-memory account: objects, events, clock and timed work, under one lock."""

from __future__ import annotations

import heapq
import itertools
import json
import random
import string
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from . import expansion
from .errors import StripeError, invalid, no_such
from .idempotency import IdempotencyStore
from .journal import Journal, NoteStore, ObjectStore

API_VERSION = "2026-10-28.endive"
_ALNUM = string.ascii_letters + string.digits


def random_token(length: int = 24) -> str:
    return "".join(random.choices(_ALNUM, k=length))


def snapshot(obj: Any) -> Any:
    """A deep copy of a JSON-shaped object (several times faster than copy.deepcopy)."""
    return json.loads(json.dumps(obj))


@dataclass
class Fault:
    """The next ``count`` API calls whose path starts with ``path`` misbehave.

    With a ``rate`` below 1, each matching call misbehaves only with that probability
    (Stripe's occasional 500s), and ``count`` caps how many do.
    """

    path: str
    mode: str  # "error", "error_after", "timeout", "slow", "rate_limit" or "not_found"
    count: int
    seconds: float
    method: str | None = None
    rate: float = 1.0

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.path) and self.method in (None, method)

    def strikes(self) -> bool:
        """Whether this matching call is one that misbehaves."""
        return self.rate >= 1 or random.random() < self.rate


class Sandbox:
    """All state of one sandbox. Every change happens with ``lock`` held."""

    def __init__(self, *, processing_delay: float = 3.0, emit_hook=None) -> None:
        self.lock = threading.RLock()
        self._wake = threading.Condition(self.lock)
        self.processing_delay = processing_delay
        # Called (lock held) with each new event; returns its pending_webhooks; must not block.
        self.emit_hook: Callable[[dict[str, Any]], int] | None = emit_hook
        self._ticker: threading.Thread | None = None
        self._seq = itertools.count()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.objects = ObjectStore(snapshot)
            self.by_type: dict[str, list[str]] = defaultdict(list)
            self.private = NoteStore()
            self.journal: Journal | None = None
            self.idempotency = IdempotencyStore()
            self.faults: list[Fault] = []
            self.clock_offset = 0.0
            self.tasks: list[tuple[float, int, Callable[..., None], tuple]] = []
            self.request_info: dict[str, str | None] = {"id": None, "idempotency_key": None}

    # -- clock and timed work -------------------------------------------------------

    def now_float(self) -> float:
        return time.time() + self.clock_offset

    def now(self) -> int:
        return int(self.now_float())

    def schedule(self, delay: float, action: Callable[..., None], *args: Any) -> None:
        """Run ``action(*args)`` (lock held) once the sandbox clock reaches now + delay."""
        with self.lock:
            due = self.now_float() + delay
            self._once_kept(lambda: self._push_task(due, action, args))

    def _push_task(self, due: float, action: Callable[..., None], args: tuple) -> None:
        with self.lock:
            heapq.heappush(self.tasks, (due, next(self._seq), action, args))
            if self._ticker is None:
                self._ticker = threading.Thread(
                    target=self._tick_forever, name="sandbox-clock", daemon=True
                )
                self._ticker.start()
            self._wake.notify_all()

    def advance(self, seconds: float) -> int:
        """Move the clock forward and run whatever became due; returns how many ran."""
        with self.lock:
            self.clock_offset += seconds
            return self.run_due()

    def run_due(self) -> int:
        ran = 0
        with self.lock:
            while self.tasks and self.tasks[0][0] <= self.now_float():
                _, _, action, args = heapq.heappop(self.tasks)
                saved = self.request_info
                self.request_info = {"id": None, "idempotency_key": None}
                try:
                    action(*args)
                finally:
                    self.request_info = saved
                ran += 1
        return ran

    def _tick_forever(self) -> None:
        with self.lock:
            while True:
                self.run_due()
                wait = self.tasks[0][0] - self.now_float() if self.tasks else 60.0
                self._wake.wait(timeout=max(0.01, min(wait, 60.0)))

    # -- objects --------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{random_token()}"

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        ids = self.by_type[obj["object"]]
        if self.journal is not None:
            self.journal.remember_length(ids)
        ids.append(obj["id"])
        return obj

    def get(self, kind: str, object_id: str, label: str | None = None, param: str = "id"):
        """The stored object of that kind, or Stripe's 404 naming ``label``."""
        obj = self.objects.get(object_id) if isinstance(object_id, str) else None
        if obj is None or obj.get("object") != kind:
            raise no_such(label or kind, str(object_id), param)
        return obj

    # -- events ---------------------------------------------------------------------

    def emit(
        self, event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Record an event with a snapshot of ``obj`` as it is now, and queue its delivery."""
        data: dict[str, Any] = {"object": snapshot(obj)}
        if previous is not None:
            data["previous_attributes"] = snapshot(previous)
        event = {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": dict(self.request_info),
            "type": event_type,
        }
        self.add(event)
        self._once_kept(lambda: self._deliver(event))
        return event

    def _deliver(self, event: dict[str, Any]) -> None:
        if self.emit_hook is not None:
            event["pending_webhooks"] = self.emit_hook(event)

    def webhook_delivered(self, event_id: str) -> None:
        """The endpoint answered 2xx to ``event_id``: no endpoint is still owed it."""
        with self.lock:
            event = self.objects.get(event_id)
            if event is not None and event.get("object") == "event":
                event["pending_webhooks"] = 0

    # -- requests ---------------------------------------------------------------------

    def _once_kept(self, action: Callable[[], None]) -> None:
        """Run ``action`` now, or once the running request's changes are known to stand."""
        if self.journal is None:
            action()
        else:
            self.journal.held.append(action)

    @contextmanager
    def all_or_nothing(self) -> Iterator[None]:
        """Changes made inside stand only if the block ends normally or raises a
        StripeError that ``keeps_changes`` (a card decline); otherwise they are undone,
        and the webhooks and timed work they started never happen. Hold the lock.
        """
        journal = self.journal = self.objects.journal = self.private.journal = Journal()
        try:
            yield
        except StripeError as error:
            if error.keeps_changes:
                journal.commit()
            else:
                journal.undo()
            raise
        except BaseException:
            journal.undo()
            raise
        else:
            journal.commit()
        finally:
            self.journal = self.objects.journal = self.private.journal = None

    # -- lists and expansion ----------------------------------------------------------

    def list_objects(
        self,
        kind: str,
        params: dict[str, Any],
        url: str,
        keep: Callable[[dict[str, Any]], bool] | None = None,
    ) -> dict[str, Any]:
        """Stripe's list envelope: newest first, ``limit``, ``starting_after``/``ending_before``."""
        limit = params.get("limit")
        if limit is None:  # absent, or posted as "" (unset)
            limit = 10
        if not 1 <= limit <= 100:  # 0 too: it is not "use the default"
            raise invalid("Invalid limit: must be between 1 and 100", param="limit")
        created = params.get("created")
        items = []
        for object_id in reversed(self.by_type[kind]):
            obj = self.objects[object_id]
            if obj.get("deleted") or (keep is not None and not keep(obj)):
                continue
            if created and not _in_range(obj["created"], created):
                continue
            items.append(obj)
        after, before = params.get("starting_after"), params.get("ending_before")
        if after or before:
            cursor = after or before
            ids = [obj["id"] for obj in items]
            if cursor not in ids:
                raise no_such(kind, cursor, "starting_after" if after else "ending_before")
            index = ids.index(cursor)
            if after:
                page, more = items[index + 1 : index + 1 + limit], len(items) > index + 1 + limit
            else:
                start = max(0, index - limit)
                page, more = items[start:index], start > 0
        else:
            page, more = items[:limit], len(items) > limit
        return {"object": "list", "data": page, "has_more": more, "url": url}

    def expand(self, obj: dict[str, Any], paths: list[str] | None) -> dict[str, Any]:
        """A copy of ``obj`` with the ids named by ``expand[]`` paths replaced by objects."""
        return expansion.expand(self.objects, obj, paths)


def _in_range(value: int, bounds: dict[str, int]) -> bool:
    checks = {
        "eq": value.__eq__,
        "gt": value.__gt__,
        "gte": value.__ge__,
        "lt": value.__lt__,
        "lte": value.__le__,
    }
    return all(checks[op](bound) for op, bound in bounds.items())
