"""sign-in security: failed sign-ins and lockouts (throttling), TOTP credentials and recovery codes,
and the archive's "accounts" folder

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

FOLDERS_BEFORE = ('missed-contact', 'classification-queue', 'attendance-control', 'attendance-status',
                  'recovery-action', 'outreach', 'rescue-board', 'threshold-governance', 'attendance-review',
                  'decision-assurance', 'escalations')


def _folder_check(folders) -> str:
    return "folder IN (" + ", ".join(f"'{f}'" for f in folders) + ")"


def upgrade():
    op.create_table('sign_in_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures'))
    )
    op.create_index('ix_sign_in_failures_username_at', 'sign_in_failures', ['username', 'at'])
    op.create_index('ix_sign_in_failures_address_at', 'sign_in_failures', ['client_address', 'at'])
    op.create_table('sign_in_lockouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('until', sa.DateTime(), nullable=False),
    sa.CheckConstraint("scope IN ('account', 'address')", name=op.f('ck_sign_in_lockouts_scope_values')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_lockouts'))
    )
    op.create_index('ix_sign_in_lockouts_key_until', 'sign_in_lockouts', ['scope', 'key', 'until'])
    op.create_table('totp_credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=False),
    sa.Column('last_step', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_totp_credentials_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_totp_credentials')),
    sa.UniqueConstraint('user_id', name=op.f('uq_totp_credentials_user_id'))
    )
    op.create_table('mfa_recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mfa_recovery_codes_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mfa_recovery_codes')),
    sa.UniqueConstraint('code_digest', name=op.f('uq_mfa_recovery_codes_code_digest'))
    )
    op.create_index(op.f('ix_mfa_recovery_codes_user_id'), 'mfa_recovery_codes', ['user_id'])
    # The new folder: on SQLite the batch copies the table (before any trigger exists on it).
    with op.batch_alter_table('archive_entries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_archive_entries_folder_values'), type_='check')
        batch_op.create_check_constraint(op.f('ck_archive_entries_folder_values'), _folder_check(FOLDERS_BEFORE + ('accounts',)))


def downgrade():
    with op.batch_alter_table('archive_entries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_archive_entries_folder_values'), type_='check')
        batch_op.create_check_constraint(op.f('ck_archive_entries_folder_values'), _folder_check(FOLDERS_BEFORE))
    op.drop_index(op.f('ix_mfa_recovery_codes_user_id'), table_name='mfa_recovery_codes')
    op.drop_table('mfa_recovery_codes')
    op.drop_table('totp_credentials')
    op.drop_index('ix_sign_in_lockouts_key_until', table_name='sign_in_lockouts')
    op.drop_table('sign_in_lockouts')
    op.drop_index('ix_sign_in_failures_address_at', table_name='sign_in_failures')
    op.drop_index('ix_sign_in_failures_username_at', table_name='sign_in_failures')
    op.drop_table('sign_in_failures')
