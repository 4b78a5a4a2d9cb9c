"""A rendered page read as a browser reads it: the ids it uses and what its forms send."""

from collections import Counter
from html.parser import HTMLParser


class _Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.buttons: list[tuple[str, str]] = []  # (aria-label or "", visible text)
        self._fields: dict[str, str] | None = None
        self._button: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids[attrs["id"]] += 1
        if tag == "form":
            self._fields = {}
            self.forms.append((attrs.get("action") or "", self._fields))
        elif tag == "input" and self._fields is not None and attrs.get("name"):
            self._fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "button":
            self._button = [attrs.get("aria-label") or ""]

    def handle_data(self, data):
        if self._button is not None:
            self._button.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "button" and self._button is not None:
            label, *text = self._button
            self.buttons.append((label, " ".join("".join(text).split())))
            self._button = None


def ids_used_twice(html: str) -> list[str]:
    """The element ids that appear more than once (each must be unique in a page)."""
    return sorted(name for name, count in _Page(html).ids.items() if count > 1)


def form_fields(html: str, action: str) -> dict[str, str]:
    """The named inputs of the one form that posts to `action`, as the page fills them."""
    [fields] = [fields for url, fields in _Page(html).forms if url == action]
    return fields


def button_labels(html: str) -> list[tuple[str, str]]:
    """Each button's aria-label ("" if none) beside the text it shows."""
    return _Page(html).buttons
