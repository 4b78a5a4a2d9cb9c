"""user.session_epoch: signing out ends every earlier session

Sessions live in signed cookies, so signing out could only forget the cookie in
the browser that signed out; a copy of it kept working. Each session now carries
the user's epoch, which signing out raises. Existing users start at 0, as do
sessions signed in before this (they carry the id alone).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, as in 0004: the lower(email) index stays as it is on SQLite.
def upgrade():
    op.add_column(
        'user', sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0')
    )


def downgrade():
    op.drop_column('user', 'session_epoch')
