"""sync: the corrected recorded_at beside the device's original, late dispositions, sync conflicts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 05:32:08.309727

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OFFLINE_TABLES = ('recovery_attempts', 'recovery_dispositions')


def _to_device_clock(table: str) -> None:
    """recorded_at - clock_offset_seconds for the rows that have an offset, computed in Python so the
    result keeps its microseconds on SQLite and PostgreSQL alike."""
    t = sa.table(table, sa.column('id', sa.Integer), sa.column('recorded_at', sa.DateTime),
                 sa.column('clock_offset_seconds', sa.Float))
    bind = op.get_bind()
    rows = bind.execute(sa.select(t.c.id, t.c.recorded_at, t.c.clock_offset_seconds)
                        .where(t.c.clock_offset_seconds != 0)).all()
    for row in rows:
        bind.execute(t.update().where(t.c.id == row.id).values(
            recorded_at=row.recorded_at - timedelta(seconds=row.clock_offset_seconds)))


def upgrade():
    op.create_table('sync_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('recovery_case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=80), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('clock_offset_seconds', sa.Double(), nullable=False),
    sa.Column('entry_digest', sa.String(length=64), nullable=False),
    sa.Column('stored_kind', sa.String(length=12), nullable=False),
    sa.Column('stored_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('times_received', sa.Integer(), nullable=False),
    sa.Column('last_received_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('attempt', 'disposition')", name=op.f('ck_sync_conflicts_kind_values')),
    sa.CheckConstraint("stored_kind IN ('attempt', 'disposition')", name=op.f('ck_sync_conflicts_stored_kind_values')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_conflicts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_conflicts')),
    sa.UniqueConstraint('client_id', 'entry_digest', name=op.f('uq_sync_conflicts_client_id'))
    )

    # Until now recorded_at held the corrected time; it becomes the device's time as sent, and the
    # corrected time gets its own column. (Every entry stored before sync existed has offset 0.)
    for table in OFFLINE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('corrected_recorded_at', sa.DateTime(), nullable=True))
        op.execute(f"UPDATE {table} SET corrected_recorded_at = recorded_at")
        _to_device_clock(table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('corrected_recorded_at', existing_type=sa.DateTime(), nullable=False)

    with op.batch_alter_table('recovery_dispositions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('recovery_dispositions', schema=None) as batch_op:
        batch_op.drop_column('late')

    for table in OFFLINE_TABLES:
        op.execute(f"UPDATE {table} SET recorded_at = corrected_recorded_at")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('corrected_recorded_at')

    op.drop_table('sync_conflicts')
