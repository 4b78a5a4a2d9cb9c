"""The control API under ``/_sandbox/``: JSON in and out, no key (a loopback test tool).

Endpoints (all POST unless noted):

- ``reset`` — forget all objects, events, deliveries, faults and switches (the settings
  under ``config`` stay as they are).
- ``config`` {forward_to, webhook_secret, retry_base, max_attempts, webhook_timeout,
  webhook_concurrency, enabled_events, processing_delay}; ``GET config`` shows them.
  ``webhook_concurrency`` (1 to 64, default 8) is how many deliveries may be in flight at
  once: they start in queue order but may arrive in any order, as with Stripe; 1 sends
  them strictly one at a time, in order. ``enabled_events`` lists the event types sent
  to ``forward_to``, as on a Stripe webhook endpoint (default ``["*"]``, every type);
  events of other types are created and listed by ``/v1/events`` but never queued. A
  value that is not a list of event types (or ``"*"``) is a 400 and changes nothing, as
  is a number setting that is not a JSON number in range (``max_attempts`` a whole
  number above 0, ``webhook_timeout`` above 0, the others at least 0).
- ``GET deliveries`` — ``[{id, event_id, type, attempts: [{at, status_code | error}],
  done, delivered, dropped}]`` in queue order: one per copy of each event sent.
  ``queued_at`` and ``next_attempt_at`` (Unix times; the latter null once done) say when
  each was queued and when its next attempt is due.
- ``webhooks`` {duplicate, reverse, delay, drop}, counting only events that are sent:
  ``duplicate`` N ≥ 1 sends the next N events twice (a number strictly between 0 and 1
  duplicates each event with that probability until changed); ``reverse`` N holds the
  next N deliveries and sends them newest first (a short batch is released after one
  second; with concurrency above 1 they are started newest first but may overlap);
  ``delay`` S holds every new delivery S seconds before its first attempt (0 turns it
  off); ``drop`` N never sends the next N deliveries (listed with ``dropped: true``).
  Counts are whole numbers of at least 0; anything else is a 400 and changes nothing.
  ``GET webhooks`` shows the switches and the attempts being sent right now:
  ``in_flight`` (what ``wait`` waits for) and ``in_flight_before_reset`` (begun before
  the last reset, still holding a place in the pool; their outcome is ignored).
- ``faults`` {path, mode, count, seconds, method, rate}: the next ``count`` API calls whose
  path starts with ``path`` (and whose method is ``method``, if given; with ``rate`` below 1,
  each such call only with that probability) answer 500 ``api_error``
  (``error``), sleep ``seconds`` then answer 500 (``timeout``), 429 (``rate_limit``), 404
  ``resource_missing`` as for an id of another account (``not_found``), are
  delayed ``seconds`` while their idempotency key is in flight and then succeed (``slow``),
  or run and store their result but answer 500 (``error_after``, so a retry replays it).
  ``GET faults`` lists them, ``DELETE faults`` clears them. ``count`` is a whole number
  above 0 and ``seconds`` at least 0; anything else is a 400 and adds no fault, as are
  ``seconds`` and ``timeout`` below that are not numbers of at least 0.
- ``clock/advance`` {seconds} — move the clock; due work (settling, refunds) runs.
- ``wait`` {timeout} — until no delivery is queued, held or in flight (a send left over
  from before a reset does not count); 504 on timeout.
- ``trigger`` {type, object} — emit an event of that type about an existing object.
- ``disputes`` {payment_intent | charge, reason} and ``disputes/<id>/close`` {status}.
- ``authenticate`` {intent, client_secret, outcome: complete | fail} — the 3-D Secure
  decision; answers {status, redirect_status}.
- ``settle`` {intent, outcome: succeeded | failed} — finish a processing payment now.
- ``GET objects/<id>`` — any stored object as it is (for tests).
- ``GET idempotency`` — the idempotency keys held, ``[{key, method, path, in_flight}]``
  (``in_flight`` while the first request with the key is still executing).
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from . import payments
from .errors import StripeError
from .resources import disputes
from .state import Fault, Sandbox

blueprint = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")
FAULT_MODES = ("error", "error_after", "timeout", "slow", "rate_limit", "not_found")
CONFIG_KEYS = {"forward_to": "forward_to", "webhook_secret": "secret", "retry_base": "retry_base",
               "max_attempts": "max_attempts", "webhook_timeout": "timeout",
               "webhook_concurrency": "concurrency", "enabled_events": "enabled_events"}


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@blueprint.errorhandler(ControlError)
def _control_error(error: ControlError):
    return jsonify(error={"message": error.message}), error.status


@blueprint.errorhandler(StripeError)
def _stripe_error(error: StripeError):
    return jsonify(error.body()), error.status


def _sandbox() -> Sandbox:
    return current_app.extensions["stripe_sandbox"]


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ControlError(400, "Send a JSON object.")
    return data


def _number(name: str, value: Any, *, whole: bool = False, positive: bool = False) -> float:
    """`value` if it is a JSON number that fits; otherwise a 400 naming the setting."""
    fits = (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        and (value > 0 if positive else value >= 0) and (not whole or value == int(value))
    )
    if not fits:
        kind = "a whole number" if whole else "a number"
        bound = "above 0" if positive else "of at least 0"
        raise ControlError(400, f"{name} must be {kind} {bound}, not {value!r}")
    return int(value) if whole else float(value)


# The numeric settings of `config`: (whole number, above 0 rather than at least 0).
NUMBER_SETTINGS = {"retry_base": (False, False), "max_attempts": (True, True),
                   "webhook_timeout": (False, True), "processing_delay": (False, False)}


def _object(kind: str, object_id: Any) -> dict[str, Any]:
    obj = _sandbox().objects.get(object_id) if isinstance(object_id, str) else None
    if obj is None or obj.get("object") != kind:
        raise ControlError(404, f"No such {kind}: {object_id!r}")
    return obj


@blueprint.post("/reset")
def reset():
    sb = _sandbox()
    sb.reset()
    sb.webhooks.reset()
    return jsonify(ok=True)


def _config() -> dict[str, Any]:
    sb = _sandbox()
    settings = {name: getattr(sb.webhooks, attr) for name, attr in CONFIG_KEYS.items()}
    return {**settings, "processing_delay": sb.processing_delay}


@blueprint.route("/config", methods=["GET", "POST"])
def config():
    if request.method == "POST":
        data, sb = _body(), _sandbox()
        unknown = set(data) - set(CONFIG_KEYS) - {"processing_delay"}
        if unknown:
            raise ControlError(400, f"Unknown settings: {', '.join(sorted(unknown))}")
        # Every value is checked before any is applied: a bad one changes nothing.
        numbers = {name: _number(name, data[name], whole=whole, positive=positive)
                   for name, (whole, positive) in NUMBER_SETTINGS.items() if name in data}
        data = {**data, **numbers}
        try:
            sb.webhooks.configure(
                **{CONFIG_KEYS[k]: v for k, v in data.items() if k in CONFIG_KEYS})
        except ValueError as error:
            raise ControlError(400, str(error)) from None
        if "processing_delay" in data:
            sb.processing_delay = data["processing_delay"]
    return jsonify(_config())


@blueprint.get("/deliveries")
def deliveries():
    return jsonify(_sandbox().webhooks.snapshot())


@blueprint.route("/webhooks", methods=["GET", "POST"])
def webhooks():
    sender = _sandbox().webhooks
    if request.method == "GET":
        return jsonify({**sender.switches(), **sender.sending()})
    data = _body()
    unknown = set(data) - {"duplicate", "reverse", "delay", "drop"}
    if unknown:
        raise ControlError(400, f"Unknown switches: {', '.join(sorted(unknown))}")
    switches = {name: _number(name, data[name], whole=name != "delay")
                for name in ("reverse", "delay", "drop") if name in data}
    if "duplicate" in data:
        # A fraction is a probability; anything else counts events.
        rate = data["duplicate"]
        is_rate = isinstance(rate, float) and 0 < rate < 1
        switches["duplicate"] = rate if is_rate else _number("duplicate", rate, whole=True)
    sender.behave(**switches)
    return jsonify(sender.switches())


@blueprint.route("/faults", methods=["GET", "POST", "DELETE"])
def faults():
    sb = _sandbox()
    if request.method == "POST":
        data = _body()
        if data.get("mode") not in FAULT_MODES or not str(data.get("path", "")).startswith("/"):
            raise ControlError(400, f"Need a path starting with / and a mode in {FAULT_MODES}.")
        method = data.get("method")
        rate = _number("rate", data.get("rate") or 1, positive=True)
        if rate > 1:
            raise ControlError(400, "rate must be a probability above 0 and at most 1.")
        count = _number("count", data.get("count", 1), whole=True, positive=True)
        seconds = _number("seconds", data.get("seconds") or 0)
        fault = Fault(data["path"], data["mode"], count, seconds,
                      method.upper() if method else None, rate)
        with sb.lock:
            sb.faults.append(fault)
    elif request.method == "DELETE":
        with sb.lock:
            sb.faults.clear()
    with sb.lock:
        listed = [vars(fault) for fault in sb.faults if fault.count > 0]
    return jsonify(listed)


@blueprint.post("/clock/advance")
def advance():
    sb = _sandbox()
    ran = sb.advance(_number("seconds", _body().get("seconds", 0)))
    return jsonify(now=sb.now(), ran=ran)


@blueprint.post("/wait")
def wait():
    timeout = _number("timeout", _body().get("timeout", 10))
    if not _sandbox().webhooks.wait_idle(timeout):
        raise ControlError(504, f"Deliveries still pending after {timeout} s.")
    return jsonify(idle=True)


@blueprint.post("/trigger")
def trigger():
    data, sb = _body(), _sandbox()
    event_type, object_id = data.get("type"), data.get("object")
    if not isinstance(event_type, str) or "." not in event_type:
        raise ControlError(400, "Give an event type such as 'payment_intent.succeeded'.")
    with sb.lock:
        obj = sb.objects.get(object_id) if isinstance(object_id, str) else None
        if obj is None or obj.get("object") == "event":
            raise ControlError(404, f"No such object: {object_id!r}")
        return jsonify(sb.emit(event_type, obj))


@blueprint.post("/disputes")
def open_dispute():
    data, sb = _body(), _sandbox()
    with sb.lock:
        if data.get("charge"):
            charge = _object("charge", data["charge"])
        else:
            intent = _object("payment_intent", data.get("payment_intent"))
            charge = _object("charge", intent.get("latest_charge"))
        if charge["status"] != "succeeded":
            raise ControlError(400, f"Charge {charge['id']} did not succeed.")
        return jsonify(disputes.open_dispute(sb, charge, data.get("reason") or "fraudulent"))


@blueprint.post("/disputes/<dispute_id>/close")
def close_dispute(dispute_id: str):
    data, sb = _body(), _sandbox()
    if data.get("status") not in ("won", "lost"):
        raise ControlError(400, "status must be won or lost")
    with sb.lock:
        return jsonify(disputes.close_dispute(sb, _object("dispute", dispute_id), data["status"]))


def _intent(data: dict[str, Any]) -> dict[str, Any]:
    intent_id = data.get("intent")
    kind = "setup_intent" if str(intent_id).startswith("seti_") else "payment_intent"
    return _object(kind, intent_id)


@blueprint.post("/authenticate")
def authenticate():
    data, sb = _body(), _sandbox()
    if data.get("outcome", "complete") not in ("complete", "fail"):
        raise ControlError(400, "outcome must be complete or fail")
    with sb.lock:
        intent = _intent(data)
        if data.get("client_secret") != intent["client_secret"]:
            raise ControlError(404, f"No such intent: {data.get('intent')!r}")
        payments.authenticate(sb, intent, data.get("outcome", "complete") == "complete")
        return jsonify(status=intent["status"], redirect_status=payments.redirect_status(intent))


@blueprint.post("/settle")
def settle():
    data, sb = _body(), _sandbox()
    outcome = data.get("outcome", "succeeded")
    if outcome not in ("succeeded", "failed"):
        raise ControlError(400, "outcome must be succeeded or failed")
    with sb.lock:
        intent = _object("payment_intent", data.get("intent"))
        if intent["status"] != "processing":
            raise ControlError(400, f"{intent['id']} is {intent['status']}, not processing.")
        payments.settle(sb, intent["id"], outcome)
        return jsonify(intent)


@blueprint.get("/objects/<object_id>")
def get_object(object_id: str):
    sb = _sandbox()
    with sb.lock:
        obj = sb.objects.get(object_id)
        if obj is None:
            raise ControlError(404, f"No such object: {object_id!r}")
        return jsonify(obj)


@blueprint.get("/idempotency")
def idempotency_keys():
    sb = _sandbox()
    with sb.lock:
        return jsonify([{"key": key, "method": entry.method, "path": entry.path,
                         "in_flight": not entry.done}
                        for key, entry in sb.idempotency.entries.items()])
