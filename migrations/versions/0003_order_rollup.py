"""order rollup: orders and their totals per UTC day, currency and status, counted from the orders

The admin history reads its count and totals from this table. The application
keeps it exact from now on; the upgrade fills it from the orders already there.

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


def upgrade():
    op.create_table('order_rollup',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('order_count', sa.Integer(), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('refunded_minor', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'currency', 'status', name=op.f('pk_order_rollup'))
    )
    day = UTC_DAY[op.get_bind().dialect.name]
    op.execute(
        'INSERT INTO order_rollup '
        '(day, currency, status, order_count, total_minor, refunded_minor) '
        f'SELECT {day}, currency, status, count(*), sum(total_minor), sum(amount_refunded_minor) '
        'FROM "order" GROUP BY 1, 2, 3'
    )


def downgrade():
    op.drop_table('order_rollup')
