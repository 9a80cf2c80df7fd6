"""Plans completion records that earn itineraries from the bundled catalogue (for end-to-end tests)."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "issuer" / "data" / "catalogue.json"
SECTORS = ("SMART", "BLUE", "COAST", "CITY", "ENERGY", "SOCIETY")


def _runs(hosts):
    runs = json.loads(CATALOGUE.read_text(encoding="utf-8"))["micro_credentials"]
    return [r for r in runs if r["host"] in hosts]


def interdisciplinary_courses(hosts) -> list[dict]:
    """Six runs, one per sector: three in autumn, three in spring (the per-semester limit)."""
    runs = _runs(hosts)
    plan, used = [], set()
    for semester, count in (("2024-autumn", 3), ("2025-spring", 3)):
        for sector in SECTORS:
            if sum(1 for p in plan if p["semester"] == semester) == count:
                break
            if sector in used:
                continue
            run = next((r for r in runs if r["sector"] == sector and r["semester"] == semester), None)
            if run is not None:
                plan.append(run)
                used.add(sector)
    assert len(plan) == 6, f"hosts {hosts} cannot cover six sectors in two semesters"
    return plan


def expertise_courses(hosts, sector: str) -> list[dict]:
    """Six runs of distinct courses in ``sector``: three in autumn, three in spring."""
    runs = sorted((r for r in _runs(hosts) if r["sector"] == sector), key=lambda r: (r["semester"], r["code"]))
    plan, codes = [], set()
    for semester in ("2024-autumn", "2025-spring"):
        for run in runs:
            if run["semester"] == semester and run["code"] not in codes and \
                    sum(1 for p in plan if p["semester"] == semester) < 3:
                plan.append(run)
                codes.add(run["code"])
    assert len(plan) == 6, f"hosts {hosts} offer no six distinct {sector} courses over two semesters"
    return plan


def records_for(student: dict, runs: list[dict]) -> list[dict]:
    """Passing, final completion records of ``student`` for ``runs``."""
    rows = []
    for n, run in enumerate(runs):
        end = date.fromisoformat(run["end_date"])
        grading = run["grading"]
        total = run["classes_total"]
        rows.append({
            **student, "study_level": "bachelor", "english_level": "B2", "course_code": run["code"],
            "semester": run["semester"], "classes_attended": total, "classes_total": total,
            "grade": round(grading["minimum"] + 0.8 * (grading["maximum"] - grading["minimum"]), 1),
            "passed": True, "assessed_on": end.isoformat(),
            "grade_announced_on": (end + timedelta(days=3)).isoformat(), "objection": "none",
            "applied_at": f"{run['semester'][:4]}-{'09' if 'autumn' in run['semester'] else '02'}-0{n % 3 + 1}T09:00:00Z",
        })
    return rows
