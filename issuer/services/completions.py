"""Completion uploads: parse JSON or CSV, validate every row, store all or nothing."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from issuer.domain.records import check_against_catalogue, parse_records
from issuer.errors import InvalidUpload
from issuer.store.db import refresh_statistics
from issuer.store.models import CompletionRow, StudentRow
from issuer.store.repositories import AuditRepository, CatalogueRepository, CompletionRepository

CSV_TYPES = {"text/csv", "application/csv"}
JSON_TYPES = {"application/json"}


@dataclass(frozen=True)
class UploadResult:
    accepted: int
    created: int
    updated: int
    dry_run: bool = False

    def to_dict(self) -> dict:
        result = {"accepted": self.accepted, "created": self.created, "updated": self.updated}
        if self.dry_run:
            result["dry_run"] = True
        return result


def rows_from_body(body: bytes, content_type: str) -> tuple[list[dict], str]:
    """Split an upload body into row mappings; returns (rows, "json" | "csv").

    :raise InvalidUpload: undecodable body, wrong shape, or an unsupported media type.
    """
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in CSV_TYPES:
        return _csv_rows(_decode(body)), "csv"
    if media_type in JSON_TYPES or media_type.endswith("+json"):
        return _json_rows(_decode(body)), "json"
    raise InvalidUpload([_file_error("Content-Type", "send application/json or text/csv")],
                       detail=f"unsupported media type {media_type or '(none)'}")


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")  # a leading BOM is accepted and dropped
    except UnicodeDecodeError as exc:
        raise InvalidUpload([_file_error("body", f"not UTF-8 (byte {exc.start})")]) from None


def _json_rows(text: str) -> list[dict]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidUpload([_file_error("body", f"not valid JSON: {exc}")]) from None
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        data = data["records"]
    if not isinstance(data, list):
        raise InvalidUpload([_file_error("body", "expected a JSON array of completion records")])
    errors = [{"row": n, "field": None, "reason": "expected a JSON object"}
              for n, item in enumerate(data, start=1) if not isinstance(item, dict)]
    if errors:
        raise InvalidUpload(errors)
    return data


def _csv_rows(text: str) -> list[dict]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidUpload([_file_error("header", "the file is empty: a header row is required")]) from None
    except csv.Error as exc:
        raise InvalidUpload([_file_error("header", f"malformed CSV: {exc}")]) from None
    rows, errors = [], []
    try:
        for number, values in enumerate(reader, start=1):
            if not any(v.strip() for v in values):
                continue  # blank line (e.g. a trailing CRLF)
            if len(values) != len(header):
                errors.append({"row": number, "field": None,
                               "reason": f"expected {len(header)} columns, found {len(values)}"})
                rows.append({})
                continue
            rows.append(dict(zip(header, values)))
    except csv.Error as exc:
        errors.append({"row": reader.line_num, "field": None, "reason": f"malformed CSV: {exc}"})
    if errors:
        raise InvalidUpload(errors)
    return rows


def _file_error(field: str, reason: str) -> dict:
    return {"row": None, "field": field, "reason": reason}


class CompletionService:
    """Validates and stores completion records reported by one host university."""

    def __init__(self, session: Session):
        self.session = session

    def upload(self, rows: list[dict], *, source: str, reported_by: str, now: datetime,
               dry_run: bool = False) -> UploadResult:
        """Store every row or none.

        :raise InvalidUpload: with one ``{row, field, reason}`` per problem; nothing is stored.
        """
        if not rows:
            raise InvalidUpload([_file_error("body", "no completion records in the upload")])
        records, errors = parse_records(rows, reported_by=reported_by, source=source)
        errors += self._catalogue_errors(rows, records, errors, source=source, reported_by=reported_by)
        if errors:
            errors.sort(key=lambda e: (e["row"] or 0, e["field"] or ""))
            raise InvalidUpload(errors)
        if dry_run:
            return UploadResult(len(records), 0, 0, dry_run=True)
        for table in (StudentRow.__tablename__, CompletionRow.__tablename__):
            refresh_statistics(self.session, table)  # before its lookups are planned (nothing written yet)
        try:
            created, updated = CompletionRepository(self.session).upsert(records, now=now)
            AuditRepository(self.session).record(
                actor=reported_by, action="completions.upload", subject=f"{len(records)} records",
                detail={"source": source, "created": created, "updated": updated}, now=now)
            self.session.commit()
        except Exception:
            self.session.rollback()
            raise
        return UploadResult(len(records), created, updated)

    def _catalogue_errors(self, rows, records, parse_errors, *, source: str, reported_by: str) -> list[dict]:
        """Catalogue checks for every row that parsed, numbered by its row in the upload."""
        catalogue = CatalogueRepository(self.session)
        courses, institutions = catalogue.courses(), catalogue.institutions()
        if not parse_errors:
            return check_against_catalogue(records, courses, institutions, reported_by)
        errors = []  # rare path: re-parse row by row to keep each row's own number
        for number, row in enumerate(rows, start=1):
            parsed, row_errors = parse_records([row], reported_by=reported_by, source=source)
            if parsed and not row_errors:
                for error in check_against_catalogue(parsed, courses, institutions, reported_by):
                    errors.append({**error, "row": number})
        return errors
