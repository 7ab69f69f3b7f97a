"""access records: who read a person's data, when, what and from which device (append-only)

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('access_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('case_ref', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('roles', sa.String(length=200), nullable=False),
    sa.Column('via', sa.String(length=10), nullable=False),
    sa.Column('what', sa.String(length=120), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.Column('device', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_access_records_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_records'))
    )
    op.create_index('ix_access_records_case_ref_at', 'access_records', ['case_ref', 'at'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE TRIGGER access_records_append_only BEFORE UPDATE OR DELETE ON access_records
            FOR EACH ROW EXECUTE FUNCTION append_only_refuse_change()
        """)
    else:
        for kind in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER access_records_no_{kind.lower()} BEFORE {kind} ON access_records
                           BEGIN SELECT RAISE(ABORT, 'access_records is append-only: {kind} refused'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS access_records_append_only ON access_records")
    op.drop_index('ix_access_records_case_ref_at', table_name='access_records')
    op.drop_table('access_records')
