"""Finding what must never be stored or logged: card numbers, keys and client secrets."""

import re

from sqlalchemy import inspect, select, text

from shop.extensions import db

DIGIT_RUN = re.compile(r"(?<!\d)\d{13,19}(?!\d)")
# A hex digest (a password hash, a signature) holds runs of 13+ decimal digits often
# enough that one in a few dozen passes the Luhn check by chance: not a card number.
HEX_DIGEST = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{32,}(?![0-9A-Za-z])")
SECRETS = re.compile(
    r"sk_(?:live|test)_[A-Za-z0-9]+|rk_(?:live|test)_[A-Za-z0-9]+|whsec_[A-Za-z0-9_]+"
    r"|[A-Za-z0-9]+_secret_[A-Za-z0-9]+"
)


def luhn_valid(digits: str) -> bool:
    checksum = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        checksum += value - 9 if value > 9 else value
    return checksum % 10 == 0


def card_numbers(text_: str) -> list[str]:
    """Every run of 13 to 19 digits that passes the Luhn check, i.e. could be a card number."""
    text_ = HEX_DIGEST.sub(" ", text_)
    return [run for run in DIGIT_RUN.findall(text_) if luhn_valid(run)]


def secrets_in(text_: str) -> list[str]:
    """API keys, webhook secrets and client secrets found in `text_`."""
    return SECRETS.findall(text_)


def database_text(engine=None, schema: str | None = None) -> str:
    """Every row of every table, as text: what a leaked dump would show."""
    engine = engine or db.engine
    inspector = inspect(engine)
    lines = []
    with engine.connect() as conn:
        if schema and engine.dialect.name == "postgresql":
            conn.execute(text(f'SET search_path TO "{schema}"'))
        for name in inspector.get_table_names(schema=schema):
            table = db.Table(name, db.MetaData(), autoload_with=conn, schema=schema)
            lines.extend(f"{name}: {tuple(row)}" for row in conn.execute(select(table)))
    return "\n".join(lines)
