"""The issuer command line: help, tokens, import with --dry-run."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from issuer.store import db
from issuer.store.models import ApiTokenRow, CompletionRow
from tests.web.helpers import record, to_csv

COMMANDS = [["init"], ["serve"], ["tokens"], ["tokens", "create"], ["import"], ["demo"], ["issue"],
            ["close-semester"], ["revoke"], ["verify"], ["keys"], ["keys", "rotate"], ["keys", "import-pkcs12"]]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_every_command_has_help(runner, args):
    result = runner.invoke(args=[*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_tokens_create_prints_a_token_once_and_stores_only_its_digest(app, runner, client):
    result = runner.invoke(args=["tokens", "create", "KU", "--label", "registrar"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("cxi_") and len(token) > 30
    with app.app_context():
        hashes = db.session().scalars(select(ApiTokenRow.token_hash)).all()
    assert token not in hashes and len(hashes) == 1
    response = client.post("/api/completions", json=[record()], headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_tokens_create_rejects_unknown_institution(runner):
    result = runner.invoke(args=["tokens", "create", "NOPE"])
    assert result.exit_code != 0 and "unknown institution" in result.output


def _stored(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(CompletionRow))


def test_import_dry_run_reports_row_errors_and_stores_nothing(app, runner, tmp_path):
    path = tmp_path / "records.csv"
    path.write_bytes(to_csv([record("S-1"), record("S-2", english_level="B7"), record("S-3", grade=-1)]))
    result = runner.invoke(args=["import", str(path), "--institution", "KU", "--dry-run"])
    assert result.exit_code != 0
    assert "row 2, field english_level" in result.output and "row 3, field grade" in result.output
    assert _stored(app) == 0


def test_import_json_then_dry_run_of_a_good_file(app, runner, tmp_path):
    path = tmp_path / "records.json"
    path.write_text(json.dumps([record("S-1"), record("S-2")]), encoding="utf-8")
    dry = runner.invoke(args=["import", str(path), "--institution", "KU", "--dry-run"])
    assert dry.exit_code == 0 and "2 records would be accepted" in dry.output
    assert _stored(app) == 0
    real = runner.invoke(args=["import", str(path), "--institution", "KU"])
    assert real.exit_code == 0 and "2 created" in real.output
    assert _stored(app) == 2
