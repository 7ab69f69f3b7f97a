"""indexes that keep My day and the case page independent of the history: the worker's last channel, recent dispositions

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 01:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_recovery_attempts_reviewer_latest', 'recovery_attempts',
                    ['reviewer_id', 'validation_timestamp', 'id'])
    op.create_index('ix_recovery_dispositions_validation_timestamp', 'recovery_dispositions', ['validation_timestamp'])


def downgrade():
    op.drop_index('ix_recovery_dispositions_validation_timestamp', table_name='recovery_dispositions')
    op.drop_index('ix_recovery_attempts_reviewer_latest', table_name='recovery_attempts')
