"""Helpers for tests: run the sandbox in a thread and drive its control API.

    with run_sandbox(forward_to=url, webhook_secret="whsec_test") as sandbox:
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": sandbox.url})
        sandbox.control.reset()
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

from .app import create_app
from .serving import SandboxServer


class ControlError(RuntimeError):
    """The control API answered with an error status."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"control API answered {status}: {body}")
        self.status, self.body = status, body


class SandboxControl:
    """A small urllib client for ``/_sandbox/...``; each method is one endpoint."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              timeout: float | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        # The URL is the sandbox's own http:// address, never user input.
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}/_sandbox/{path}", data=data, method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=timeout or self.timeout
            ) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise ControlError(error.code, json.loads(error.read() or b"null")) from None

    def reset(self) -> None:
        self._call("POST", "reset", {})

    def configure(self, **settings: Any) -> dict[str, Any]:
        """forward_to, webhook_secret, retry_base, max_attempts, webhook_timeout,
        webhook_concurrency, enabled_events (a list of event types, or ``["*"]``),
        processing_delay."""
        return self._call("POST", "config", settings)

    def config(self) -> dict[str, Any]:
        return self._call("GET", "config")

    def deliveries(self) -> list[dict[str, Any]]:
        return self._call("GET", "deliveries")

    def wait_for_deliveries(self, timeout: float = 10) -> None:
        """Block until no delivery is queued, held or in flight (ControlError 504 on
        timeout)."""
        self._call("POST", "wait", {"timeout": timeout}, timeout=timeout + 5)

    def webhook_behaviour(self, *, duplicate: float | None = None, reverse: int | None = None,
                          delay: float | None = None, drop: int | None = None) -> dict[str, Any]:
        switches = {"duplicate": duplicate, "reverse": reverse, "delay": delay, "drop": drop}
        return self._call("POST", "webhooks",
                          {k: v for k, v in switches.items() if v is not None})

    def webhook_state(self) -> dict[str, Any]:
        """The switches, and the attempts being sent now: ``in_flight`` and
        ``in_flight_before_reset``."""
        return self._call("GET", "webhooks")

    def fault(self, path: str, mode: str = "error", count: int = 1,
              seconds: float | None = None, method: str | None = None,
              rate: float | None = None) -> list[dict[str, Any]]:
        body = {"path": path, "mode": mode, "count": count, "seconds": seconds, "method": method,
                "rate": rate}
        return self._call("POST", "faults", body)

    def faults(self) -> list[dict[str, Any]]:
        """The faults still to strike (a fault whose count is used up is not listed)."""
        return self._call("GET", "faults")

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def advance(self, seconds: float) -> dict[str, Any]:
        return self._call("POST", "clock/advance", {"seconds": seconds})

    def trigger(self, event_type: str, object_id: str) -> dict[str, Any]:
        return self._call("POST", "trigger", {"type": event_type, "object": object_id})

    def get_object(self, object_id: str) -> dict[str, Any]:
        return self._call("GET", f"objects/{object_id}")

    def idempotency_keys(self) -> list[dict[str, Any]]:
        """``[{key, method, path, in_flight}]`` for every idempotency key held."""
        return self._call("GET", "idempotency")

    def authenticate(self, intent_id: str, outcome: str = "complete",
                     client_secret: str | None = None) -> dict[str, Any]:
        """Complete or fail the 3-D Secure step, as the challenge page's buttons do."""
        if client_secret is None:
            client_secret = self.get_object(intent_id)["client_secret"]
        return self._call("POST", "authenticate",
                          {"intent": intent_id, "client_secret": client_secret,
                           "outcome": outcome})

    def create_dispute(self, payment_intent_id: str | None = None, *, charge: str | None = None,
                       reason: str = "fraudulent") -> dict[str, Any]:
        body = {"payment_intent": payment_intent_id, "charge": charge, "reason": reason}
        return self._call("POST", "disputes", {k: v for k, v in body.items() if v})

    def close_dispute(self, dispute_id: str, status: str) -> dict[str, Any]:
        return self._call("POST", f"disputes/{dispute_id}/close", {"status": status})

    def settle(self, intent_id: str, outcome: str = "succeeded") -> dict[str, Any]:
        return self._call("POST", "settle", {"intent": intent_id, "outcome": outcome})


class RunningSandbox:
    """A sandbox served on a free 127.0.0.1 port by a daemon thread."""

    def __init__(self, **app_options: Any) -> None:
        self.app = create_app(**app_options)
        self.sandbox = self.app.extensions["stripe_sandbox"]
        self._server = SandboxServer("127.0.0.1", 0, self.app)
        self.url = f"http://127.0.0.1:{self._server.port}"
        self.control = SandboxControl(self.url)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="stripe-sandbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def run_sandbox(
    forward_to: str | None = None,
    webhook_secret: str = "whsec_sandbox",  # noqa: S107  (a public test default)
    **options: Any,
) -> RunningSandbox:
    """Start a sandbox (see ``create_app`` for ``options``); stop it with ``.stop()``."""
    return RunningSandbox(forward_to=forward_to, webhook_secret=webhook_secret, **options)
