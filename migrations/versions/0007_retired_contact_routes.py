"""contact routes a feed no longer sends are retired, not deleted: recovery records refer to them

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact_routes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('contact_routes', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
