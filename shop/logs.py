import json
import logging

from flask import Flask

_SECRET_MARKERS = ("sk_live_", "sk_test_", "rk_live_", "rk_test_", "_secret_", "whsec_")


def redact(value: object) -> object:
    """Blank out anything that looks like a key or a client secret."""
    text = str(value)
    if any(marker in text for marker in _SECRET_MARKERS):
        return "[redacted]"
    return value


def log_event(action: str, **fields: object) -> None:
    """One structured line per payment action or webhook: action and key=value fields."""
    record = {"action": action, **{k: redact(v) for k, v in fields.items() if v is not None}}
    logging.getLogger("shop.payments").info(json.dumps(record, default=str, sort_keys=True))


def install_logging(app: Flask) -> None:
    logger = logging.getLogger("shop.payments")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
