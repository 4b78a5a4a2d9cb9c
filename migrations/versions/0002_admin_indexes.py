"""admin indexes: revenue by paid_at, disputed orders, failures by kind, the inbox by time

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.create_index('ix_order_paid_at', ['paid_at'], unique=False)
        batch_op.create_index(
            'ix_order_disputed_created_at_id', ['created_at', 'id'], unique=False,
            postgresql_where=sa.text('dispute_status IS NOT NULL'),
            sqlite_where=sa.text('dispute_status IS NOT NULL'),
        )

    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.create_index('ix_order_event_kind_created_at', ['kind', 'created_at'], unique=False)

    with op.batch_alter_table('stripe_event', schema=None) as batch_op:
        batch_op.create_index('ix_stripe_event_received_at_id', ['received_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('stripe_event', schema=None) as batch_op:
        batch_op.drop_index('ix_stripe_event_received_at_id')

    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.drop_index('ix_order_event_kind_created_at')

    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_index('ix_order_disputed_created_at_id')
        batch_op.drop_index('ix_order_paid_at')
