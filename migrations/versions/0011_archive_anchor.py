"""archive anchor: signed checkpoints of the archive's head, and SQLite triggers refusing UPDATE and DELETE
on the archive (PostgreSQL has had its trigger since 0001)

Revision ID: 0011
Revises: 0010

A later batch_alter_table on archive_entries would copy the table on SQLite and drop these triggers: such a
migration must create them again.
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _sqlite_triggers(table: str) -> list[str]:
    return [f"""CREATE TRIGGER {table}_no_{kind.lower()} BEFORE {kind} ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only: {kind} refused'); END"""
            for kind in ("UPDATE", "DELETE")]


def upgrade():
    op.create_table('archive_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_checkpoints'))
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION append_only_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER archive_checkpoints_append_only BEFORE UPDATE OR DELETE ON archive_checkpoints
            FOR EACH ROW EXECUTE FUNCTION append_only_refuse_change()
        """)
    else:
        for table in ("archive_entries", "archive_checkpoints"):
            for statement in _sqlite_triggers(table):
                op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS archive_checkpoints_append_only ON archive_checkpoints")
        op.execute("DROP FUNCTION IF EXISTS append_only_refuse_change()")
    else:
        for table in ("archive_entries", "archive_checkpoints"):
            for kind in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{kind}")
    op.drop_table('archive_checkpoints')
