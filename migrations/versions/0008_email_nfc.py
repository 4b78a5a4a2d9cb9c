"""user.email and order.email in Unicode's composed form (NFC)

Addresses were stored lower-cased only, so "é" typed as one character and as "e"
plus a combining accent were two addresses: two accounts for one person, and guest
orders that a search for the address did not find. The shop now stores and looks
up every address in NFC (`User.normalize_email`); this brings the stored ones to it.

Only addresses with a character outside ASCII can change, so only those rows are
read. If two accounts' addresses become one, nothing is changed and the upgrade
stops, naming them: which account keeps the address is for a person to decide
(merge them, or give one another address), and then the upgrade can run again.

The downgrade changes nothing: an address in NFC is as valid to the code before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 00:40:00

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# The tables as this revision knows them, not as the models may later be.
USER = sa.table('user', sa.column('id', sa.Integer), sa.column('email', sa.String))
ORDER = sa.table('order', sa.column('id', sa.Integer), sa.column('email', sa.String))


def _normalized(email):
    return unicodedata.normalize('NFC', email.strip().lower())


def _not_ascii(conn, table):
    """Rows whose address has a character outside ASCII: more bytes than characters."""
    octets = (sa.func.octet_length(table.c.email) if conn.dialect.name == 'postgresql'
              else sa.func.length(sa.cast(table.c.email, sa.LargeBinary)))
    return conn.execute(
        sa.select(table.c.id, table.c.email).where(octets != sa.func.length(table.c.email))
    ).all()


def _clashes(conn):
    """Accounts whose addresses become one."""
    by_address = {}
    for user_id, email in conn.execute(sa.select(USER.c.id, USER.c.email)).all():
        by_address.setdefault(_normalized(email), []).append(user_id)
    return sorted(ids for ids in by_address.values() if len(ids) > 1)


def _rewrite(conn, table, changed):
    for row_id, email in changed.items():
        conn.execute(sa.update(table).where(table.c.id == row_id).values(email=email))


def upgrade():
    conn = op.get_bind()
    users = {user_id: _normalized(email) for user_id, email in _not_ascii(conn, USER)
             if _normalized(email) != email}
    clashes = _clashes(conn) if users else []
    if clashes:
        named = '; '.join(', '.join(f'#{user_id}' for user_id in ids) for ids in clashes)
        raise RuntimeError(
            f'These accounts would share an email address once it is stored in one '
            f'Unicode form: {named}. Merge them or give one another address, then run '
            f'`flask db upgrade` again. Nothing was changed.'
        )
    orders = {order_id: _normalized(email) for order_id, email in _not_ascii(conn, ORDER)
              if _normalized(email) != email}
    _rewrite(conn, USER, users)
    _rewrite(conn, ORDER, orders)


def downgrade():
    pass
