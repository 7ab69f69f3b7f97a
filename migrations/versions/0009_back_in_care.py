"""section 4, back in care: make-up appointments, notice of absence, recordings, closure of recovery
cases, repeat misses, support requests, expectations at intake, and the tech_support role

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD_ROLES = ['coordinator', 'attendance_supervisor', 'outreach_worker', 'service_supervisor', 'governance_lead', 'panel_chair', 'manager', 'duty_manager', 'quality_lead', 'executive', 'director', 'chief_operating', 'admin', 'auditor', 'integration']
NEW_ROLES = OLD_ROLES[:12] + ['tech_support'] + OLD_ROLES[12:]
NOTICE_CHANNELS = ['phone_call', 'sms', 'email', 'video', 'in_person', 'letter', 'portal']
CLOSURE_REASONS = ['reengaged', 'unreachable_after_outreach', 'transferred', 'declined_service']


def _in(column, values, nullable=False):
    clause = column + " IN (" + ", ".join("'" + v + "'" for v in values) + ")"
    return (column + " IS NULL OR " + clause) if nullable else clause


def upgrade():
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_roles_role_values'), type_='check')
        batch_op.create_check_constraint('role_values', _in('role', NEW_ROLES))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expectations_explained_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('expectations_text', sa.Text(), nullable=True))
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('makeup_for_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('absence_notified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('absence_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('absence_channel', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('absence_recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recording_sent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('recording_viewed_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_appointments_makeup_for_id'), ['makeup_for_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_appointments_makeup_for_id_appointments'), 'appointments',
                                    ['makeup_for_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_appointments_absence_recorded_by_id_users'), 'users',
                                    ['absence_recorded_by_id'], ['id'])
        batch_op.create_check_constraint('absence_channel_values', _in('absence_channel', NOTICE_CHANNELS, True))
    with op.batch_alter_table('missed_contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeat_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_missed_contacts_repeat_of_id_missed_contacts'), 'missed_contacts',
                                    ['repeat_of_id'], ['id'])
    with op.batch_alter_table('recovery_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority_raised', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('makeup_appointment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closure_reason', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('closure_evidence', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reengaged_appointment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_recovery_cases_makeup_appointment_id_appointments'),
                                    'appointments', ['makeup_appointment_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_recovery_cases_reengaged_appointment_id_appointments'),
                                    'appointments', ['reengaged_appointment_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_recovery_cases_closed_by_id_users'), 'users', ['closed_by_id'],
                                    ['id'])
        batch_op.create_check_constraint('closure_reason_values', _in('closure_reason', CLOSURE_REASONS, True))
    with op.batch_alter_table('recovery_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offer_accepted', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('makeup_appointment_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_recovery_attempts_makeup_appointment_id_appointments'),
                                    'appointments', ['makeup_appointment_id'], ['id'])
        batch_op.create_check_constraint('offer_accepted_values', _in('offer_accepted', ['yes', 'no'], True))
    op.create_table('support_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('recovery_case_id', sa.Integer(), nullable=True),
    sa.Column('missed_contact_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('next_appointment_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'resolved', 'not_resolved')", name=op.f('ck_support_requests_status_values')),
    sa.CheckConstraint("source IN ('attempt', 'classification')", name=op.f('ck_support_requests_source_values')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_support_requests_case_id_cases')),
    sa.ForeignKeyConstraint(['recovery_case_id'], ['recovery_cases.id'], name=op.f('fk_support_requests_recovery_case_id_recovery_cases')),
    sa.ForeignKeyConstraint(['missed_contact_id'], ['missed_contacts.id'], name=op.f('fk_support_requests_missed_contact_id_missed_contacts')),
    sa.ForeignKeyConstraint(['next_appointment_id'], ['appointments.id'], name=op.f('fk_support_requests_next_appointment_id_appointments')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_support_requests_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_requests')),
    sa.UniqueConstraint('source', 'source_id', name=op.f('uq_support_requests_source'))
    )
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_requests_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_support_requests_status_due', ['status', 'due_at'], unique=False)


def downgrade():
    op.drop_table('support_requests')
    with op.batch_alter_table('recovery_attempts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_recovery_attempts_offer_accepted_values'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_recovery_attempts_makeup_appointment_id_appointments'), type_='foreignkey')
        batch_op.drop_column('makeup_appointment_id')
        batch_op.drop_column('offer_accepted')
    with op.batch_alter_table('recovery_cases', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_recovery_cases_closure_reason_values'), type_='check')
        for fk in ('fk_recovery_cases_makeup_appointment_id_appointments',
                   'fk_recovery_cases_reengaged_appointment_id_appointments', 'fk_recovery_cases_closed_by_id_users'):
            batch_op.drop_constraint(op.f(fk), type_='foreignkey')
        for column in ('closed_by_id', 'closed_at', 'reengaged_appointment_id', 'closure_evidence', 'closure_reason',
                       'makeup_appointment_id', 'priority_raised'):
            batch_op.drop_column(column)
    with op.batch_alter_table('missed_contacts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_missed_contacts_repeat_of_id_missed_contacts'), type_='foreignkey')
        batch_op.drop_column('repeat_of_id')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_appointments_absence_channel_values'), type_='check')
        batch_op.drop_constraint(op.f('fk_appointments_makeup_for_id_appointments'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_appointments_absence_recorded_by_id_users'), type_='foreignkey')
        batch_op.drop_index(op.f('ix_appointments_makeup_for_id'))
        for column in ('recording_viewed_at', 'recording_sent_at', 'absence_recorded_by_id', 'absence_channel',
                       'absence_reason', 'absence_notified_at', 'makeup_for_id'):
            batch_op.drop_column(column)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('expectations_text')
        batch_op.drop_column('expectations_explained_on')
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_roles_role_values'), type_='check')
        batch_op.create_check_constraint('role_values', _in('role', OLD_ROLES))
