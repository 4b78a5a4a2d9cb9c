"""user.deleted_stripe_customers: a new Stripe customer after one was deleted

The shop creates a user's Stripe customer with an idempotency key derived from
the user. Once that customer was deleted at Stripe, the same key would bring the
deleted customer back for 24 hours; the count of deleted customers makes the next
key new. Existing users start at 0.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite has ADD and DROP COLUMN since 3.35): a
# batch operation would copy the table on SQLite and lose the lower(email) index.
def upgrade():
    op.add_column(
        'user',
        sa.Column('deleted_stripe_customers', sa.Integer(), nullable=False, server_default='0'),
    )


def downgrade():
    op.drop_column('user', 'deleted_stripe_customers')
