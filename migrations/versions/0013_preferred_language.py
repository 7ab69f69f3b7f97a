"""the case's preferred language: the decision letter is written in it (English or Spanish)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preferred_language', sa.String(length=8), server_default='en', nullable=False))
        batch_op.create_check_constraint('preferred_language_values', "preferred_language IN ('en', 'es')")


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_preferred_language_values'), type_='check')
        batch_op.drop_column('preferred_language')
