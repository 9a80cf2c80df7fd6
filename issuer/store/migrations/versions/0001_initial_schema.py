"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('institutions',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=3), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('member', sa.Boolean(), nullable=False),
    sa.Column('homepage', sa.String(length=300), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('eidas_identifier', sa.String(length=100), nullable=False),
    sa.Column('issues_itineraries', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('sectors',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('semesters',
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('institution', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['institution'], ['institutions.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_institution'), ['institution'], unique=False)

    op.create_table('close_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('semester_id', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['semester_id'], ['semesters.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('close_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_close_runs_semester_id'), ['semester_id'], unique=False)

    op.create_table('institution_keys',
    sa.Column('institution', sa.String(length=16), nullable=False),
    sa.Column('key_id', sa.String(length=100), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('key_type', sa.String(length=32), nullable=False),
    sa.Column('public_key_multibase', sa.String(length=200), nullable=True),
    sa.Column('certificate_pem', sa.Text(), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['institution'], ['institutions.code'], ),
    sa.PrimaryKeyConstraint('institution', 'key_id')
    )
    op.create_table('status_lists',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('institution', sa.String(length=16), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('bits', sa.LargeBinary(), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution'], ['institutions.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('status_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_lists_institution'), ['institution'], unique=False)

    op.create_table('students',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('home_university', sa.String(length=16), nullable=False),
    sa.Column('student_id', sa.String(length=64), nullable=False),
    sa.Column('given_name', sa.String(length=200), nullable=False),
    sa.Column('family_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['home_university'], ['institutions.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('home_university', 'student_id', name='uq_student')
    )
    op.create_table('thematic_areas',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sector_code', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sector_code'], ['sectors.code'], ),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('close_claims',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('student_pk', sa.Integer(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['close_runs.id'], ),
    sa.ForeignKeyConstraint(['student_pk'], ['students.id'], ),
    sa.PrimaryKeyConstraint('run_id', 'student_pk')
    )
    with op.batch_alter_table('close_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_close_claims_done'), ['done'], unique=False)

    op.create_table('completion_records',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('student_pk', sa.Integer(), nullable=False),
    sa.Column('course_code', sa.String(length=32), nullable=False),
    sa.Column('semester_id', sa.String(length=16), nullable=False),
    sa.Column('reported_by', sa.String(length=16), nullable=False),
    sa.Column('study_level', sa.String(length=32), nullable=False),
    sa.Column('english_level', sa.String(length=4), nullable=False),
    sa.Column('classes_attended', sa.Integer(), nullable=True),
    sa.Column('classes_total', sa.Integer(), nullable=True),
    sa.Column('grade', sa.Float(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=True),
    sa.Column('grade_announced_on', sa.Date(), nullable=True),
    sa.Column('objection', sa.String(length=16), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reported_by'], ['institutions.code'], ),
    sa.ForeignKeyConstraint(['semester_id'], ['semesters.id'], ),
    sa.ForeignKeyConstraint(['student_pk'], ['students.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('student_pk', 'course_code', 'semester_id', name='uq_completion')
    )
    with op.batch_alter_table('completion_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_completion_records_reported_by'), ['reported_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_completion_records_student_pk'), ['student_pk'], unique=False)

    op.create_table('credentials',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('uri', sa.String(length=100), nullable=False),
    sa.Column('award_key', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('issuer', sa.String(length=16), nullable=False),
    sa.Column('student_pk', sa.Integer(), nullable=False),
    sa.Column('course_code', sa.String(length=32), nullable=True),
    sa.Column('semester_id', sa.String(length=16), nullable=False),
    sa.Column('sector_code', sa.String(length=32), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('jsonld', sa.Text(), nullable=False),
    sa.Column('xml', sa.Text(), nullable=False),
    sa.Column('award', sa.JSON(), nullable=False),
    sa.Column('digest_sri', sa.String(length=120), nullable=False),
    sa.Column('status_list_id', sa.String(length=64), nullable=False),
    sa.Column('status_index', sa.Integer(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['issuer'], ['institutions.code'], ),
    sa.ForeignKeyConstraint(['semester_id'], ['semesters.id'], ),
    sa.ForeignKeyConstraint(['status_list_id'], ['status_lists.id'], ),
    sa.ForeignKeyConstraint(['student_pk'], ['students.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('award_key', name='uq_credential_award'),
    sa.UniqueConstraint('status_list_id', 'status_index', name='uq_credential_status_index'),
    sa.UniqueConstraint('uri')
    )
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credentials_issuer'), ['issuer'], unique=False)
        batch_op.create_index(batch_op.f('ix_credentials_student_pk'), ['student_pk'], unique=False)

    op.create_table('micro_credentials',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('semester_id', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('sector_code', sa.String(length=32), nullable=False),
    sa.Column('thematic_area_code', sa.String(length=32), nullable=False),
    sa.Column('host', sa.String(length=16), nullable=False),
    sa.Column('ects', sa.Integer(), nullable=False),
    sa.Column('workload_hours', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('delivery', sa.String(length=16), nullable=False),
    sa.Column('classes_total', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('learning_outcomes', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('grading', sa.JSON(), nullable=False),
    sa.Column('isced_f', sa.String(length=8), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['host'], ['institutions.code'], ),
    sa.ForeignKeyConstraint(['sector_code'], ['sectors.code'], ),
    sa.ForeignKeyConstraint(['semester_id'], ['semesters.id'], ),
    sa.ForeignKeyConstraint(['thematic_area_code'], ['thematic_areas.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'semester_id', name='uq_micro_credential_run')
    )
    with op.batch_alter_table('micro_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_micro_credentials_code'), ['code'], unique=False)

    op.create_table('credential_components',
    sa.Column('itinerary_id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('component_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['component_id'], ['credentials.id'], ),
    sa.ForeignKeyConstraint(['itinerary_id'], ['credentials.id'], ),
    sa.PrimaryKeyConstraint('itinerary_id', 'position')
    )
    with op.batch_alter_table('credential_components', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credential_components_component_id'), ['component_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('credential_components', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credential_components_component_id'))

    op.drop_table('credential_components')
    with op.batch_alter_table('micro_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_micro_credentials_code'))

    op.drop_table('micro_credentials')
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credentials_student_pk'))
        batch_op.drop_index(batch_op.f('ix_credentials_issuer'))

    op.drop_table('credentials')
    with op.batch_alter_table('completion_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_completion_records_student_pk'))
        batch_op.drop_index(batch_op.f('ix_completion_records_reported_by'))

    op.drop_table('completion_records')
    with op.batch_alter_table('close_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_close_claims_done'))

    op.drop_table('close_claims')
    op.drop_table('thematic_areas')
    op.drop_table('students')
    with op.batch_alter_table('status_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_lists_institution'))

    op.drop_table('status_lists')
    op.drop_table('institution_keys')
    with op.batch_alter_table('close_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_close_runs_semester_id'))

    op.drop_table('close_runs')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_institution'))

    op.drop_table('api_tokens')
    op.drop_table('semesters')
    op.drop_table('sectors')
    op.drop_table('institutions')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
