"""order rollup: orders and their totals per UTC day, currency, status and open dispute

The admin history reads its count and totals from this table, for the "dispute
open" filter too. The application keeps it exact from now on; the upgrade fills
it from the orders already there.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
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
# Whether "order".dispute_status is open, written as each database writes a boolean
# literal (SQLite keeps booleans as 1 and 0). NULL, no dispute, is not in the list,
# so it falls to the ELSE: not open.
DISPUTE_OPEN = {
    dialect: "CASE WHEN dispute_status IN ({}) THEN {} ELSE {} END".format(
        ', '.join(f"'{status}'" for status in OPEN_DISPUTE_STATUSES), yes, no
    )
    for dialect, yes, no in [('postgresql', 'true', 'false'), ('sqlite', '1', '0')]
}


def upgrade():
    op.create_table('order_rollup',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('dispute_open', sa.Boolean(), nullable=False),
    sa.Column('order_count', sa.Integer(), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('refunded_minor', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'currency', 'status', 'dispute_open',
                            name=op.f('pk_order_rollup'))
    )
    dialect = op.get_bind().dialect.name
    op.execute(
        'INSERT INTO order_rollup '
        '(day, currency, status, dispute_open, order_count, total_minor, refunded_minor) '
        f'SELECT {UTC_DAY[dialect]}, currency, status, {DISPUTE_OPEN[dialect]}, '
        'count(*), sum(total_minor), sum(amount_refunded_minor) '
        'FROM "order" GROUP BY 1, 2, 3, 4'
    )


def downgrade():
    op.drop_table('order_rollup')
