"""Idempotency keys: results stored once an endpoint starts executing, then replayed."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import StripeError, not_stored

KEEP_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255


@dataclass
class Entry:
    method: str
    path: str
    fingerprint: tuple
    created: float
    done: bool = False
    status: int = 0
    body: bytes = b""
    request_id: str = ""
    extra: dict = field(default_factory=dict)


class IdempotencyStore:
    """Keys scoped to the sandbox's single account. Callers hold the sandbox lock."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def begin(
        self, key: str, method: str, path: str, fingerprint: tuple, now: float
    ) -> Entry | None:
        """Return a finished entry to replay, or None after marking ``key`` in flight.

        Raises the 400 ``idempotency_error`` for a reused key with other parameters or
        another endpoint, and the 409 while the first request is still executing.
        """
        if len(key) > MAX_KEY_LENGTH:
            raise not_stored(
                StripeError(
                    400,
                    f"Idempotency-Key must be at most {MAX_KEY_LENGTH} characters.",
                    param="Idempotency-Key",
                )
            )
        entry = self.entries.get(key)
        if entry is not None and now - entry.created > KEEP_SECONDS:
            entry = None
        if entry is None:
            self.entries[key] = Entry(method, path, fingerprint, now)
            return None
        if (entry.method, entry.path) != (method, path):
            raise not_stored(
                StripeError(
                    400,
                    "Keys for idempotent requests can only be used for the same endpoint "
                    f"they were first used for ('{entry.method} {entry.path}' vs "
                    f"'{method} {path}'). Try using a key other than '{key}' if you meant "
                    "to execute a different request.",
                    type="idempotency_error",
                )
            )
        if entry.fingerprint != fingerprint:
            raise not_stored(
                StripeError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{key}' if you "
                    "meant to execute a different request.",
                    type="idempotency_error",
                )
            )
        if not entry.done:
            raise not_stored(
                StripeError(
                    409,
                    "There is currently another in-progress request using this Idempotent "
                    "Key (that probably means you submitted twice, and the other request is "
                    f"still going through): {key}. Please try again later.",
                    code="idempotency_key_in_use",
                )
            )
        return entry

    def finish(self, key: str, status: int, body: bytes, request_id: str) -> None:
        entry = self.entries.get(key)
        if entry is not None:
            entry.done, entry.status, entry.body, entry.request_id = True, status, body, request_id

    def abandon(self, key: str) -> None:
        """Forget an in-flight key whose request turned out not to count."""
        entry = self.entries.get(key)
        if entry is not None and not entry.done:
            del self.entries[key]
