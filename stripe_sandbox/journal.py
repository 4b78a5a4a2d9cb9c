"""Undo for one API request, so a request Stripe rejects leaves no trace (SANDBOX.md §6).

Handlers change objects in place as they go, and may find a reason to refuse the request
only after some of those changes are made. Rather than asking every handler to check
everything first, the sandbox's stores remember the first version of each entry a request
touches; the webhooks and timed work the request starts are held back. If the request
fails, the entries are put back and the held-back work is dropped; if it succeeds (or
fails in a way that Stripe also keeps, like a card decline), the work is let go.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

_ABSENT = object()


class Journal:
    """What one request changed in the sandbox, and what it left to do if it stands."""

    def __init__(self) -> None:
        # (store, key) -> (store, key, the entry itself or _ABSENT, a copy of its contents)
        self._saved: dict[tuple[int, Any], tuple[dict, Any, Any, Any]] = {}
        self._list_lengths: dict[int, tuple[list, int]] = {}
        self.held: list[Callable[[], None]] = []

    def remember(self, store: dict, key: Any, copy: Callable[[Any], Any]) -> None:
        """Keep the first version of ``store[key]`` this request sees (or that it had none)."""
        mark = (id(store), key)
        if mark in self._saved:
            return
        entry = dict.get(store, key, _ABSENT)
        self._saved[mark] = (store, key, entry, _ABSENT if entry is _ABSENT else copy(entry))

    def remember_length(self, items: list) -> None:
        """Keep how long an append-only list was before this request added to it."""
        self._list_lengths.setdefault(id(items), (items, len(items)))

    def undo(self) -> None:
        """Put every remembered entry back as it was, in place, and drop the held work.

        In place, because a handler's error may still hold the very dict it changed.
        """
        for store, key, entry, contents in reversed(self._saved.values()):
            if entry is _ABSENT:
                dict.pop(store, key, None)
                continue
            entry.clear()
            entry.update(contents)
            dict.__setitem__(store, key, entry)
        for items, length in self._list_lengths.values():
            del items[length:]
        self.held.clear()

    def commit(self) -> None:
        """Let the held-back work go, in the order the request started it."""
        held, self.held = self.held, []
        for action in held:
            action()


class _Remembering:
    """A dict whose entries are remembered by the active journal the first time they are
    read or replaced. Entries must be dicts: undo restores them in place."""

    journal: Journal | None = None

    def _copy(self, entry: Any) -> Any:
        raise NotImplementedError

    def _touch(self, key: Any) -> None:
        if self.journal is not None:
            self.journal.remember(self, key, self._copy)  # type: ignore[arg-type]

    def __getitem__(self, key: Any) -> Any:
        self._touch(key)
        return super().__getitem__(key)  # type: ignore[misc]

    def get(self, key: Any, default: Any = None) -> Any:
        self._touch(key)
        return super().get(key, default)  # type: ignore[misc]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._touch(key)
        super().__setitem__(key, value)  # type: ignore[misc]

    def __delitem__(self, key: Any) -> None:
        self._touch(key)
        super().__delitem__(key)  # type: ignore[misc]

    def pop(self, key: Any, *default: Any) -> Any:
        self._touch(key)
        return super().pop(key, *default)  # type: ignore[misc]


class ObjectStore(_Remembering, dict):
    """Stripe objects by id; a request's first look at one keeps a deep copy of it."""

    def __init__(self, copy: Callable[[Any], Any]) -> None:
        super().__init__()
        self._deep_copy = copy

    def _copy(self, entry: Any) -> Any:
        return self._deep_copy(entry)


class NoteStore(_Remembering, defaultdict):
    """The sandbox's private notes per object (card behaviour, single use, ...).

    A shallow copy is enough to undo them: notes are only ever replaced, never changed in
    place, and some (the card's behaviour) are not JSON.
    """

    def __init__(self) -> None:
        super().__init__(dict)

    def _copy(self, entry: Any) -> Any:
        return dict(entry)
