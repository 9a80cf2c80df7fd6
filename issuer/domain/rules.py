"""The programme's rules as pure functions returning a Decision with stable reason codes.

Nothing here reads the clock or any store: the evaluation date (``as_of``), the holidays, the
institutions and the student's other records are arguments.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import AbstractSet, Iterable, Mapping, Sequence

from issuer.domain.calendar import add_working_days, semester_order
from issuer.domain.model import (
    CEFR_LEVELS,
    CompletionRecord,
    Course,
    Decision,
    Delivery,
    Institution,
    ItineraryKind,
    Objection,
    Reason,
)

MIN_ENGLISH = "B2"
MIN_ATTENDANCE_PERCENT = 60
OBJECTION_WORKING_DAYS = 2
SEMESTER_LIMIT = 3
ITINERARY_SIZE = 6


class ReasonCode(StrEnum):
    """Stable codes shown to clients; a member compares equal to its string value."""

    UNKNOWN_COURSE = "UNKNOWN_COURSE"
    NOT_ALLIANCE_MEMBER = "NOT_ALLIANCE_MEMBER"
    NOT_BACHELOR = "NOT_BACHELOR"
    ENGLISH_BELOW_B2 = "ENGLISH_BELOW_B2"
    ATTENDANCE_BELOW_60 = "ATTENDANCE_BELOW_60"
    NOT_PASSED = "NOT_PASSED"
    GRADE_NOT_FINAL = "GRADE_NOT_FINAL"
    OBJECTION_PENDING = "OBJECTION_PENDING"
    SEMESTER_LIMIT_EXCEEDED = "SEMESTER_LIMIT_EXCEEDED"
    WRONG_HOST = "WRONG_HOST"
    MISSING_SECTORS = "MISSING_SECTORS"
    NEEDS_MORE_IN_SECTOR = "NEEDS_MORE_IN_SECTOR"
    ALREADY_ISSUED = "ALREADY_ISSUED"


@dataclass(frozen=True)
class HeldCertificate:
    """A valid (issued, not revoked) individual certificate a student holds."""

    credential_id: str
    course_code: str
    semester: str
    sector: str
    completed_on: date


@dataclass(frozen=True)
class ItineraryProgress:
    """Where a student stands for one itinerary: the decision and the certificates that count.

    ``components`` are the certificates chosen so far (all six when due), in choice order.
    """

    kind: ItineraryKind
    sector: str | None
    decision: Decision
    components: tuple[HeldCertificate, ...]


@dataclass(frozen=True)
class NearItinerary:
    """An itinerary a student misses by ``missing`` micro-credentials (for the close report)."""

    kind: ItineraryKind
    sector: str | None
    missing: int


# --- individual certificates -------------------------------------------------------------


def individual_due(
    record: CompletionRecord,
    course: Course | None,
    *,
    institutions: Mapping[str, Institution],
    semester_records: Sequence[CompletionRecord],
    as_of: date,
    holidays: frozenset[date],
) -> Decision:
    """Is the individual certificate for ``record`` due as of ``as_of``? Every failing rule
    contributes a reason (see :class:`ReasonCode`); rules that need the course are skipped when
    ``course`` is None (``UNKNOWN_COURSE``).

    ``semester_records`` are the student's records of the record's semester, this one included
    (records of other students or semesters in it are ignored); they rank the applications, see
    :func:`application_rank`. The grade is final as :func:`final_on` says. Reasons come in rule
    order.

    :raise ValueError: when ``course`` is not the record's course and semester.
    """
    reasons = _learner_reasons(record, institutions)
    if course is None:
        reasons.append(_reason(ReasonCode.UNKNOWN_COURSE,
                               f"no micro-credential {record.course_code} in {record.semester}"))
    else:
        _check_course_matches(record, course)
        reasons += _attendance_reasons(record, course)
    reasons += _pass_reasons(record)
    reasons += _finality_reasons(record, as_of, holidays)
    reasons += _semester_limit_reasons(record, semester_records)
    if course is not None:
        reasons += _host_reasons(record, course)
    return Decision.of(reasons)


def final_on(record: CompletionRecord, holidays: frozenset[date]) -> date | None:
    """The date the record's grade becomes (or became) final, or None while it cannot be told.

    - no announcement, or an objection raised: None;
    - objection resolved: the announcement date (final as soon as it is announced);
    - no objection: the student may object "within two working days after the grade was
      announced", so those two working days must be over: the grade is final on the calendar
      day after the second working day following the announcement. Announced on Thursday: the
      window is Friday and Monday, final on Tuesday; announced on Friday: final on Wednesday.
      A holiday in the window moves it one working day later.
    """
    announced = record.grade_announced_on
    if announced is None or record.objection == Objection.RAISED:
        return None
    if record.objection == Objection.RESOLVED:
        return announced
    return add_working_days(announced, OBJECTION_WORKING_DAYS, holidays) + timedelta(days=1)


def application_rank(record: CompletionRecord, semester_records: Sequence[CompletionRecord]) -> int:
    """The record's 1-based place among the student's applications of its semester, ordered by
    (``applied_at``, ``course_code``); naive ``applied_at`` values are taken as UTC."""
    keys = {r.record_key: r for r in semester_records
            if r.student_key == record.student_key and r.semester == record.semester}
    keys[record.record_key] = record
    ordered = sorted(keys.values(), key=lambda r: (_aware(r.applied_at), r.course_code))
    return [r.record_key for r in ordered].index(record.record_key) + 1


def _learner_reasons(record: CompletionRecord, institutions: Mapping[str, Institution]) -> list[Reason]:
    reasons = []
    home = institutions.get(record.home_university)
    if home is None or not home.member:
        what = "an unknown institution" if home is None else "not an alliance member university"
        reasons.append(_reason(ReasonCode.NOT_ALLIANCE_MEMBER,
                               f"home university {record.home_university} is {what}",
                               home_university=record.home_university))
    if record.study_level != "bachelor":
        reasons.append(_reason(ReasonCode.NOT_BACHELOR,
                               f"study level is {record.study_level!r}; the programme is for "
                               "bachelor students",
                               study_level=record.study_level))
    if not _english_at_least(record.english_level, MIN_ENGLISH):
        reasons.append(_reason(ReasonCode.ENGLISH_BELOW_B2,
                               f"English level {record.english_level!r} is below {MIN_ENGLISH}",
                               english_level=record.english_level))
    return reasons


def _english_at_least(level: str, minimum: str) -> bool:
    return level in CEFR_LEVELS and CEFR_LEVELS.index(level) >= CEFR_LEVELS.index(minimum)


def _check_course_matches(record: CompletionRecord, course: Course) -> None:
    if (course.code, course.semester) != (record.course_code, record.semester):
        raise ValueError(f"course {course.code} {course.semester} is not the record's course "
                         f"{record.course_code} {record.semester}")


def _attendance_reasons(record: CompletionRecord, course: Course) -> list[Reason]:
    if course.delivery == Delivery.ASYNCHRONOUS:
        return []  # asynchronous courses have no classes to attend
    attended = record.classes_attended
    total = record.classes_total if record.classes_total is not None else course.classes_total
    if attended is None or not total:
        return [_reason(ReasonCode.ATTENDANCE_BELOW_60,
                        "attendance is missing for a synchronous micro-credential",
                        attended=attended, total=total)]
    if attended * 100 >= MIN_ATTENDANCE_PERCENT * total:
        return []
    return [_reason(ReasonCode.ATTENDANCE_BELOW_60,
                    f"attended {attended} of {total} classes; at least {MIN_ATTENDANCE_PERCENT} % "
                    "are required",
                    attended=attended, total=total)]


def _pass_reasons(record: CompletionRecord) -> list[Reason]:
    if record.passed and record.grade is not None and record.grade > 0:
        return []
    if not record.passed:
        detail = "the micro-credential was not passed"
    elif record.grade is None:
        detail = "no grade was reported"
    else:
        detail = f"grade {record.grade:g} means not passed"
    return [_reason(ReasonCode.NOT_PASSED, detail, grade=record.grade)]


def _finality_reasons(record: CompletionRecord, as_of: date, holidays: frozenset[date]) -> list[Reason]:
    if record.objection == Objection.RAISED:
        return [_reason(ReasonCode.OBJECTION_PENDING, "an objection to the grade is pending")]
    final = final_on(record, holidays)
    if final is None:
        return [_reason(ReasonCode.GRADE_NOT_FINAL, "the grade has not been announced", final_on=None)]
    if as_of >= final:
        return []
    return [_reason(ReasonCode.GRADE_NOT_FINAL, f"the grade becomes final on {final.isoformat()}",
                    final_on=final.isoformat())]


def _semester_limit_reasons(record: CompletionRecord,
                            semester_records: Sequence[CompletionRecord]) -> list[Reason]:
    rank = application_rank(record, semester_records)
    if rank <= SEMESTER_LIMIT:
        return []
    return [_reason(ReasonCode.SEMESTER_LIMIT_EXCEEDED,
                    f"application {rank} in {record.semester}; only the first {SEMESTER_LIMIT} "
                    "of a semester count",
                    rank=rank, limit=SEMESTER_LIMIT)]


def _host_reasons(record: CompletionRecord, course: Course) -> list[Reason]:
    if record.reported_by == course.host:
        return []
    return [_reason(ReasonCode.WRONG_HOST,
                    f"reported by {record.reported_by}; only the host {course.host} may report it",
                    host=course.host, reported_by=record.reported_by)]


def _reason(code: ReasonCode, detail: str, **extra) -> Reason:
    return Reason(code=code, detail=detail, extra=extra)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- itinerary certificates --------------------------------------------------------------


def counted_at_close(held: Iterable[HeldCertificate], semester: str) -> tuple[HeldCertificate, ...]:
    """The certificates a close of ``semester`` counts: those of that semester or an earlier one."""
    limit = semester_order(semester)
    return tuple(h for h in held if semester_order(h.semester) <= limit)


def choose_interdisciplinary(
    held: Iterable[HeldCertificate], sectors: Sequence[str]
) -> tuple[HeldCertificate, ...] | None:
    """One certificate per sector, in ``sectors`` order, or None when a sector has none.

    Per sector the earliest ``completed_on`` wins, then ``course_code``, then ``semester`` (then
    ``credential_id``), so the choice does not depend on the input order.
    """
    picked = _pick_per_sector(held, sectors)
    return tuple(picked[s] for s in sectors) if len(picked) == len(sectors) else None


def interdisciplinary_due(
    held: Iterable[HeldCertificate], sectors: Sequence[str], *, already_issued: bool
) -> Decision:
    """Is the interdisciplinary certificate due: a certificate in each of ``sectors``, none issued yet?

    ``MISSING_SECTORS`` carries ``sectors`` (the missing codes, sorted), ``have`` and ``need``.
    """
    picked = _pick_per_sector(held, sectors)
    reasons = []
    if len(picked) < len(sectors):
        missing = sorted(set(sectors) - set(picked))
        reasons.append(_reason(ReasonCode.MISSING_SECTORS,
                               f"no micro-credential yet in {', '.join(missing)}",
                               sectors=missing, have=len(picked), need=len(sectors)))
    return Decision.of(reasons + _issued_reasons(already_issued, "an interdisciplinary certificate"))


def choose_expertise(held: Iterable[HeldCertificate], sector: str) -> tuple[HeldCertificate, ...] | None:
    """Six certificates of distinct courses in ``sector``, or None when there are fewer.

    A retaken course counts once (its earliest certificate); the earliest six by
    (``completed_on``, ``course_code``) are chosen, in that order.
    """
    distinct = _distinct_in_sector(held, sector)
    return tuple(distinct[:ITINERARY_SIZE]) if len(distinct) >= ITINERARY_SIZE else None


def expertise_due(held: Iterable[HeldCertificate], sector: str, *, already_issued: bool) -> Decision:
    """Is the expertise certificate in ``sector`` due: six distinct courses there, none issued yet?

    ``NEEDS_MORE_IN_SECTOR`` carries ``sector``, ``have`` (distinct courses) and ``need`` (6).
    """
    have = len(_distinct_in_sector(held, sector))
    reasons = []
    if have < ITINERARY_SIZE:
        reasons.append(_reason(ReasonCode.NEEDS_MORE_IN_SECTOR,
                               f"{ITINERARY_SIZE - have} more distinct micro-credential(s) "
                               f"needed in {sector}",
                               sector=sector, have=have, need=ITINERARY_SIZE))
    issued = _issued_reasons(already_issued, f"an expertise certificate in {sector}")
    return Decision.of(reasons + issued)


def itinerary_progress(
    held: Sequence[HeldCertificate],
    sectors: Sequence[str],
    *,
    issued: AbstractSet[tuple[ItineraryKind, str | None]] = frozenset(),
) -> list[ItineraryProgress]:
    """The interdisciplinary itinerary, then an expertise itinerary for each of ``sectors`` in
    which the student holds a certificate (in ``sectors`` order).

    ``issued`` names the itineraries the student already has, as (kind, sector or None).
    """
    kind = ItineraryKind.INTERDISCIPLINARY
    picked = _pick_per_sector(held, sectors)
    progress = [ItineraryProgress(
        kind, None, interdisciplinary_due(held, sectors, already_issued=(kind, None) in issued),
        tuple(picked[s] for s in sectors if s in picked))]
    for sector in sectors:
        if sector in picked:
            progress.append(_expertise_progress(held, sector, issued))
    return progress


def near_itineraries(
    held: Sequence[HeldCertificate],
    sectors: Sequence[str],
    *,
    issued: AbstractSet[tuple[ItineraryKind, str | None]] = frozenset(),
    within: int = 2,
) -> list[NearItinerary]:
    """The itineraries not yet issued that the student misses by 1 to ``within`` micro-credentials."""
    near = []
    for entry in itinerary_progress(held, sectors, issued=issued):
        if (entry.kind, entry.sector) in issued:
            continue
        missing = _missing_count(entry.decision)
        if 1 <= missing <= within:
            near.append(NearItinerary(entry.kind, entry.sector, missing))
    return near


def _expertise_progress(held: Sequence[HeldCertificate], sector: str,
                        issued: AbstractSet[tuple[ItineraryKind, str | None]]) -> ItineraryProgress:
    kind = ItineraryKind.EXPERTISE
    decision = expertise_due(held, sector, already_issued=(kind, sector) in issued)
    components = tuple(_distinct_in_sector(held, sector)[:ITINERARY_SIZE])
    return ItineraryProgress(kind, sector, decision, components)


def _missing_count(decision: Decision) -> int:
    for reason in decision.reasons:
        if reason.code in (ReasonCode.MISSING_SECTORS, ReasonCode.NEEDS_MORE_IN_SECTOR):
            return reason.extra["need"] - reason.extra["have"]
    return 0


def _issued_reasons(already_issued: bool, what: str) -> list[Reason]:
    if not already_issued:
        return []
    return [_reason(ReasonCode.ALREADY_ISSUED, f"the student already holds {what}")]


def _choice_key(h: HeldCertificate) -> tuple:
    return (h.completed_on, h.course_code, semester_order(h.semester), h.credential_id)


def _pick_per_sector(held: Iterable[HeldCertificate],
                     sectors: Sequence[str]) -> dict[str, HeldCertificate]:
    picked: dict[str, HeldCertificate] = {}
    for h in sorted(held, key=_choice_key):
        if h.sector in sectors and h.sector not in picked:
            picked[h.sector] = h
    return picked


def _distinct_in_sector(held: Iterable[HeldCertificate], sector: str) -> list[HeldCertificate]:
    """The earliest certificate of each course in ``sector``, ordered by (completed_on, course_code)."""
    earliest: dict[str, HeldCertificate] = {}
    for h in sorted(held, key=_choice_key):
        if h.sector == sector:
            earliest.setdefault(h.course_code, h)
    return sorted(earliest.values(), key=_choice_key)
