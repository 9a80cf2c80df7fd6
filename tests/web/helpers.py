"""Small builders for API tests: completion rows as a host university would send them."""
from __future__ import annotations

import csv
import io

FIELDS = ["student_id", "home_university", "given_name", "family_name", "email", "date_of_birth",
          "study_level", "english_level", "course_code", "semester", "classes_attended", "classes_total",
          "grade", "passed", "assessed_on", "grade_announced_on", "objection", "applied_at"]

# KU hosts these synchronous 5-class runs (0-10 scale) in 2024-autumn
KU_AUTUMN = ["SMUCS-SMART-05A", "SMUCS-BLUE-02A", "SMUCS-BLUE-05A", "SMUCS-COAST-04A"]


def record(student_id: str = "S-1", course_code: str = "SMUCS-SMART-05A", **overrides) -> dict:
    row = {
        "student_id": student_id, "home_university": "UNIZD", "given_name": "Gabrielė",
        "family_name": "Žukauskaitė", "email": "gabriele@example.org", "date_of_birth": "2003-04-05",
        "study_level": "bachelor", "english_level": "C1", "course_code": course_code,
        "semester": "2024-autumn", "classes_attended": 5, "classes_total": 5, "grade": 8.5,
        "passed": True, "assessed_on": "2024-11-20", "grade_announced_on": "2024-11-25",
        "objection": "none", "applied_at": "2024-09-15T10:00:00Z",
    }
    row.update(overrides)
    return row


def to_csv(rows: list[dict], *, bom: bool = False, crlf: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n" if crlf else "\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_value(v) for k, v in row.items()})
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
