"""order.checkout_key: the checkout form that placed an order

The cart page's checkout form carries a random key, kept on the order it places
under a unique index. The same form sent again (a double click or Enter pressed
twice, a retry after a lost answer) finds that order instead of placing a second
one that holds the same stock again. Orders placed before this have none, and
PostgreSQL and SQLite both let any number of rows leave a unique column empty.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 18:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, as in 0004: a nullable column needs no table copy on SQLite, and
# the unique index is made apart from it (SQLite cannot add a UNIQUE column).
def upgrade():
    op.add_column('order', sa.Column('checkout_key', sa.String(length=64), nullable=True))
    op.create_index('ix_order_checkout_key', 'order', ['checkout_key'], unique=True)


def downgrade():
    op.drop_index('ix_order_checkout_key', table_name='order')
    op.drop_column('order', 'checkout_key')
