"""SQLAlchemy 2.0 tables. Rows stay in store/; the rest of the code sees domain values."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class InstitutionRow(Base):
    __tablename__ = "institutions"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(3))
    city: Mapped[str] = mapped_column(String(100))
    member: Mapped[bool] = mapped_column(Boolean)
    homepage: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    eidas_identifier: Mapped[str] = mapped_column(String(100), default="")
    issues_itineraries: Mapped[bool] = mapped_column(Boolean, default=False)


class SectorRow(Base):
    __tablename__ = "sectors"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    thematic_areas: Mapped[list["ThematicAreaRow"]] = relationship(
        back_populates="sector", order_by="ThematicAreaRow.position"
    )


class ThematicAreaRow(Base):
    __tablename__ = "thematic_areas"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sector_code: Mapped[str] = mapped_column(ForeignKey("sectors.code"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    sector: Mapped[SectorRow] = relationship(back_populates="thematic_areas")


class SemesterRow(Base):
    __tablename__ = "semesters"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class MicroCredentialRow(Base):
    """One run of a course in one semester."""

    __tablename__ = "micro_credentials"
    __table_args__ = (UniqueConstraint("code", "semester_id", name="uq_micro_credential_run"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    semester_id: Mapped[str] = mapped_column(ForeignKey("semesters.id"))
    title: Mapped[str] = mapped_column(String(300))
    sector_code: Mapped[str] = mapped_column(ForeignKey("sectors.code"))
    thematic_area_code: Mapped[str] = mapped_column(ForeignKey("thematic_areas.code"))
    host: Mapped[str] = mapped_column(ForeignKey("institutions.code"))
    ects: Mapped[int] = mapped_column(Integer)
    workload_hours: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8))
    delivery: Mapped[str] = mapped_column(String(16))
    classes_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    learning_outcomes: Mapped[list] = mapped_column(JSON)
    keywords: Mapped[list] = mapped_column(JSON)
    grading: Mapped[dict] = mapped_column(JSON)
    isced_f: Mapped[str | None] = mapped_column(String(8), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")


class StudentRow(Base):
    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("home_university", "student_id", name="uq_student"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    home_university: Mapped[str] = mapped_column(ForeignKey("institutions.code"))
    student_id: Mapped[str] = mapped_column(String(64))
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date, nullable=True)


class CompletionRow(Base):
    __tablename__ = "completion_records"
    __table_args__ = (
        UniqueConstraint("student_pk", "course_code", "semester_id", name="uq_completion"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    student_pk: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    course_code: Mapped[str] = mapped_column(String(32))
    semester_id: Mapped[str] = mapped_column(ForeignKey("semesters.id"))
    reported_by: Mapped[str] = mapped_column(ForeignKey("institutions.code"), index=True)
    study_level: Mapped[str] = mapped_column(String(32))
    english_level: Mapped[str] = mapped_column(String(4))
    classes_attended: Mapped[int | None] = mapped_column(Integer, nullable=True)
    classes_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    grade: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool] = mapped_column(Boolean)
    assessed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    grade_announced_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    objection: Mapped[str] = mapped_column(String(16))
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    student: Mapped[StudentRow] = relationship()


class ApiTokenRow(Base):
    """Bearer tokens, stored as SHA-256 digests only (the token itself is shown once)."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    institution: Mapped[str] = mapped_column(ForeignKey("institutions.code"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditRow(Base):
    """One row per write: who did what to which subject, and when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64))  # institution code, or "cli"/"system"
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class StatusListRow(Base):
    """A W3C Bitstring Status List of one institution (``bits``: index 0 is the left-most bit)."""

    __tablename__ = "status_lists"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # e.g. "KU-1"
    institution: Mapped[str] = mapped_column(ForeignKey("institutions.code"), index=True)
    purpose: Mapped[str] = mapped_column(String(16), default="revocation")
    size: Mapped[int] = mapped_column(Integer)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CredentialRow(Base):
    """An issued certificate: both signed forms, the award they came from, its status entry.

    ``award_key`` makes issuance idempotent: one individual certificate per student, course and
    semester; one interdisciplinary per student; one expertise per student and sector.
    """

    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("award_key", name="uq_credential_award"),
        UniqueConstraint("status_list_id", "status_index", name="uq_credential_status_index"),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # public id (uuid4 hex)
    uri: Mapped[str] = mapped_column(String(100), unique=True)  # the credential's "id" (urn:uuid:...)
    award_key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    issuer: Mapped[str] = mapped_column(ForeignKey("institutions.code"), index=True)
    student_pk: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    course_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    semester_id: Mapped[str] = mapped_column(ForeignKey("semesters.id"))
    sector_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    completed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    jsonld: Mapped[str] = mapped_column(Text)
    xml: Mapped[str] = mapped_column(Text)
    award: Mapped[dict] = mapped_column(JSON)
    digest_sri: Mapped[str] = mapped_column(String(120))
    status_list_id: Mapped[str] = mapped_column(ForeignKey("status_lists.id"))
    status_index: Mapped[int] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revocation_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class CredentialComponentRow(Base):
    """An itinerary certificate's components (individual certificates), in order."""

    __tablename__ = "credential_components"
    itinerary_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    component_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)


class InstitutionKeyRow(Base):
    """Public key material of each institution (current and retired), read by the verifier and
    the DID documents; mirrored from the keys folder by ``issuer init`` and ``issuer keys rotate``.
    """

    __tablename__ = "institution_keys"
    institution: Mapped[str] = mapped_column(ForeignKey("institutions.code"), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    key_type: Mapped[str] = mapped_column(String(32))
    public_key_multibase: Mapped[str | None] = mapped_column(String(200), nullable=True)
    certificate_pem: Mapped[str | None] = mapped_column(Text, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CloseRunRow(Base):
    """One close of a semester; workers on any machine join the open run and claim its students."""

    __tablename__ = "close_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    semester_id: Mapped[str] = mapped_column(ForeignKey("semesters.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CloseClaimRow(Base):
    """A student to evaluate in a close run. A worker holds its claim as a row lock
    (``FOR UPDATE SKIP LOCKED``) until it commits the result, so a crashed worker's claims return
    to the pool by themselves."""

    __tablename__ = "close_claims"
    # The pending claims of a run in claiming order. Partial: as claims are done the claim query
    # skips nothing (on the primary key it stepped over every done row, each batch, ~6 ms per
    # claim batch late in a 20,000-student close).
    __table_args__ = (Index("ix_close_claims_pending", "run_id", "student_pk",
                            postgresql_where=text("NOT done"), sqlite_where=text("done = 0")),)
    run_id: Mapped[int] = mapped_column(ForeignKey("close_runs.id"), primary_key=True)
    student_pk: Mapped[int] = mapped_column(ForeignKey("students.id"), primary_key=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    result: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)  # None: nothing to report
