"""refund.request_key: the form that asked for a refund

An admin's refund form carries a key, sent to Stripe as the idempotency key and
in the refund's metadata. Kept on the refund, it lets the same form sent again
(a double click, Back, a retry after a lost answer whose webhook has landed) find
the refund it made instead of being checked as a new request. Refunds made before
this have none.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, as in 0004: a nullable column needs no table copy on SQLite.
def upgrade():
    op.add_column('refund', sa.Column('request_key', sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column('refund', 'request_key')
