"""order rollup: a row per UTC day, currency, status and whether a dispute is open

The admin history's "dispute open" filter reads its count and totals from the
rollup too. The key changes, so the table is made again with the new key and
filled from the orders, as 0003 filled it; the downgrade does the same back to
the 0003 key.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# The UTC calendar day of "order".created_at. SQLite stores timestamps as UTC text.
UTC_DAY = {
    'postgresql': "CAST(timezone('UTC', created_at) AS DATE)",
    'sqlite': 'date(created_at)',
}
# Stripe's dispute statuses that still need (or are waiting on) an answer, as the
# application had them when this migration was written.
OPEN_DISPUTE_STATUSES = (
    'warning_needs_response',
    'warning_under_review',
    'needs_response',
    'under_review',
)
DISPUTE_OPEN = (
    "CASE WHEN dispute_status IN ({}) THEN {{true}} ELSE {{false}} END".format(
        ', '.join(f"'{status}'" for status in OPEN_DISPUTE_STATUSES)
    )
)
# How each database writes a boolean literal (SQLite keeps booleans as 1 and 0).
BOOLEANS = {
    'postgresql': {'true': 'true', 'false': 'false'},
    'sqlite': {'true': '1', 'false': '0'},
}


def _create_rollup(with_dispute_open):
    key = ['day', 'currency', 'status'] + (['dispute_open'] if with_dispute_open else [])
    op.create_table('order_rollup',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    *([sa.Column('dispute_open', sa.Boolean(), nullable=False)] if with_dispute_open else []),
    sa.Column('order_count', sa.Integer(), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('refunded_minor', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint(*key, name=op.f('pk_order_rollup'))
    )
    dialect = op.get_bind().dialect.name
    columns = ['day', 'currency', 'status']
    selected = [UTC_DAY[dialect], 'currency', 'status']
    if with_dispute_open:
        columns.append('dispute_open')
        selected.append(DISPUTE_OPEN.format(**BOOLEANS[dialect]))
    groups = ', '.join(str(n) for n in range(1, len(columns) + 1))
    op.execute(
        f'INSERT INTO order_rollup ({", ".join(columns)}, '
        'order_count, total_minor, refunded_minor) '
        f'SELECT {", ".join(selected)}, '
        'count(*), sum(total_minor), sum(amount_refunded_minor) '
        f'FROM "order" GROUP BY {groups}'
    )


def upgrade():
    op.drop_table('order_rollup')
    _create_rollup(with_dispute_open=True)


def downgrade():
    op.drop_table('order_rollup')
    _create_rollup(with_dispute_open=False)
