"""The bundled sample completion records, uploaded as each course's host would upload them."""
from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from issuer.services.completions import CompletionService
from issuer.store.repositories import CatalogueRepository

SAMPLE_FILE = Path(__file__).resolve().parents[1] / "data" / "sample_completions.csv"


def load_sample_completions(session: Session, *, now: datetime, path: Path = SAMPLE_FILE) -> dict[str, int]:
    """Upload the sample file, split by host university; returns records stored per host."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    hosts = {(c.code, c.semester): c.host for c in CatalogueRepository(session).courses().values()}
    by_host: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_host[hosts[(row["course_code"], row["semester"])]].append(row)
    service = CompletionService(session)
    return {host: service.upload(host_rows, source="csv", reported_by=host, now=now).accepted
            for host, host_rows in sorted(by_host.items())}
