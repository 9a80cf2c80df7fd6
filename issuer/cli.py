"""The ``issuer`` command line (a Flask CLI group: ``flask --app wsgi ...`` works too)."""
from __future__ import annotations

import json
import os
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from issuer import parallel
from issuer.errors import InvalidUpload, IssuerError
from issuer.services.closing import CloseService
from issuer.config import DEFAULTS, dev_passphrase
from issuer.services import keystore as keystore_module
from issuer.services.keystore import KeyStore, mirror_public_keys
from issuer.services.completions import CompletionService, rows_from_body
from issuer.services.reference import read_reference_files, store_reference_data
from issuer.services.sample import load_sample_completions
from issuer.services.tokens import TokenService
from issuer.services.verification import MAX_BODY_BYTES, VerificationService
from issuer.store import db
from issuer.store.repositories import CatalogueRepository, CompletionRepository
from issuer.web import deps


@click.group(cls=FlaskGroup, create_app=lambda: _create_app(), add_default_commands=False,
             add_version_option=False, help="Issue and verify EU-CONEXUS micro-credential certificates.")
def main() -> None:
    """Commands come from the app (``register``), so ``flask --app wsgi`` offers the same ones."""


COMMANDS: list[click.Command] = []


def command(cmd: click.Command) -> click.Command:
    COMMANDS.append(cmd)
    return cmd


def register(app) -> None:
    """Add the ``issuer`` commands to ``app.cli``."""
    for cmd in COMMANDS:
        app.cli.add_command(cmd)


def _create_app():
    from issuer import create_app

    return create_app()


def _now() -> datetime:
    return datetime.now(UTC)


def initialise() -> None:
    """Create or upgrade the schema and (re)load institutions and catalogue."""
    cfg = current_app.config
    db.upgrade(db.engine())
    data = read_reference_files(cfg["INSTITUTIONS_FILE"], cfg["CATALOGUE_FILE"])
    session = db.session()
    store_reference_data(session, data)
    session.commit()
    click.echo(f"database ready: {len(data.institutions)} institutions, {len(data.sectors)} sectors, "
               f"{len(data.courses)} micro-credential runs")
    store = keystore()
    for institution in data.institutions:
        store.ensure(institution, now=_now())
        mirror_public_keys(session, store, institution.code)
    session.commit()
    click.echo(f"keys ready in {store.keys_dir} for {len(data.institutions)} institutions")


def keystore() -> KeyStore:
    return current_app.extensions["issuer.keystore"]


@command
@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database, load institutions and the catalogue, create missing keys."""
    initialise()


@command
@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the HTTP API (threaded development server; use gunicorn for production)."""
    serve(host, port)


def serve(host: str, port: int) -> None:
    # app.run() refuses to start under the flask CLI; run_simple is what it would call
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()
    click.echo(f"serving on http://{host}:{port}/ (Ctrl+C to stop)")
    run_simple(host, port, app, threaded=True, use_reloader=False)


@command
@click.group("tokens")
def tokens_group() -> None:
    """Manage API bearer tokens."""


@tokens_group.command("create")
@click.argument("code")
@click.option("--label", default="", help="A note to remember what the token is for.")
@with_appcontext
def tokens_create(code: str, label: str) -> None:
    """Create a bearer token for institution CODE and print it (it is shown only this once)."""
    try:
        token = TokenService(db.session()).create(code, label=label, now=_now())
    except IssuerError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(token)


@command
@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--institution", required=True, help="Code of the host university reporting the records.")
@click.option("--dry-run", is_flag=True, help="Validate and report errors; store nothing.")
@with_appcontext
def import_command(file: Path, institution: str, dry_run: bool) -> None:
    """Import completion records from a JSON or CSV FILE, all or nothing."""
    content_type = "text/csv" if file.suffix.lower() == ".csv" else "application/json"
    try:
        rows, source = rows_from_body(file.read_bytes(), content_type)
        result = CompletionService(db.session()).upload(
            rows, source=source, reported_by=institution, now=_now(), dry_run=dry_run)
    except InvalidUpload as exc:
        for error in exc.errors:
            click.echo(f"row {error['row']}, field {error['field']}: {error['reason']}", err=True)
        raise click.ClickException(f"{len(exc.errors)} error(s); nothing was stored") from None
    verb = "would be accepted" if dry_run else "accepted"
    click.echo(f"{result.accepted} records {verb} ({result.created} created, {result.updated} updated)")


@command
@click.command("issue")
@click.option("--institution", required=True, help="Code of the host university issuing.")
@click.option("--as-of", "as_of", default=None, help="Evaluate the rules as of this date (YYYY-MM-DD; default today).")
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes (PostgreSQL only).")
@with_appcontext
def issue_command(institution: str, as_of: str | None, workers: int) -> None:
    """Issue every individual certificate due for INSTITUTION's courses."""
    report = issue_all(institution, as_of=_as_of(as_of), workers=workers)
    click.echo(f"{institution}: {len(report['issued'])} issued or already issued, "
               f"{len(report['not_issued'])} not due")


def issue_all(institution: str, *, as_of, workers: int = 1) -> dict:
    now = _now()
    count, note = parallel.effective_workers(current_app, workers)
    if note:
        click.echo(note, err=True)
    total = len(CompletionRepository(db.session()).reported_by(institution))
    with click.progressbar(length=total, label=f"issuing {institution}", file=sys.stderr) as bar:
        if count == 1:
            return deps.issuance().issue_individual(institution, as_of=as_of, now=now, progress=bar.update)
        # this process takes shard 0 while the others start and take the rest
        config = parallel.worker_config(current_app)
        pool = parallel.start_workers(parallel.issue_worker, lambda i: (
            config, institution, as_of.isoformat(), now.isoformat(), (i + 1, count)), count - 1)
        mine = deps.issuance().issue_individual(institution, as_of=as_of, now=now, shard=(0, count),
                                                progress=_relaying(bar.update, pool))
        parts = [mine, *pool.join(bar.update)]
    if any(p is None for p in parts):
        raise click.ClickException("a worker failed; run the command again (issuance is idempotent)")
    return {"issued": [i for p in parts for i in p["issued"]], "not_issued": [n for p in parts for n in p["not_issued"]]}


@command
@click.command("close-semester")
@click.argument("semester")
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes (PostgreSQL only).")
@click.option("--join", is_flag=True, help="Only help an open close of SEMESTER (e.g. from another machine).")
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@with_appcontext
def close_command(semester: str, workers: int, join: bool, as_json: bool) -> None:
    """Close SEMESTER as AISBL: evaluate every student and issue the due itinerary certificates."""
    try:
        report = close(semester, workers=workers, join=join)
    except IssuerError as exc:
        raise click.ClickException(exc.detail) from None
    if report is None:
        click.echo("done with this worker's share; the coordinating run prints the report")
    elif as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        kinds = Counter(i["kind"] for i in report["issued"])
        click.echo(f"{semester}: {report['students_evaluated']} students evaluated; issued "
                   f"{kinds['interdisciplinary']} interdisciplinary, {kinds['expertise']} expertise; "
                   f"{len(report['near'])} near an itinerary")


def close(semester: str, *, workers: int = 1, join: bool = False) -> dict | None:
    now = _now()
    count, note = parallel.effective_workers(current_app, workers)
    if note:
        click.echo(note, err=True)
    service = CloseService(db.session(), issuance=deps.issuance())
    run_id = service.open_run(semester, now=now, join_only=join)
    total = service.pending(run_id)
    with click.progressbar(length=total, label=f"closing {semester}", file=sys.stderr) as bar:
        pool = None
        if count > 1:  # count - 1 more processes; this one is working meanwhile
            config = parallel.worker_config(current_app)
            pool = parallel.start_workers(parallel.close_worker, lambda i: (config, run_id, now.isoformat()),
                                          count - 1)
        claim_session = current_app.extensions["issuer.sessions"]()
        try:  # this process works until no claim is pending (taking over a crashed worker's share)
            service.complete(run_id, now=now, claim_session=claim_session, progress=_relaying(bar.update, pool))
        finally:
            claim_session.close()
        if pool is not None:
            pool.join(bar.update)
    return None if join else service.finish(run_id, now=now)


def _relaying(progress, pool):
    """``progress`` for this process's own ticks, passing on the workers' ticks as well."""
    if pool is None:
        return progress

    def tick(n: int) -> None:
        progress(n)
        pool.relay(progress)
    return tick


@command
@click.command("revoke")
@click.argument("credential_id")
@click.option("--institution", required=True, help="Code of the issuing institution.")
@click.option("--reason", required=True, help="Why (kept with the credential).")
@with_appcontext
def revoke_command(credential_id: str, institution: str, reason: str) -> None:
    """Revoke CREDENTIAL_ID (and every itinerary certificate built on it). Permanent."""
    try:
        revoked = deps.status().revoke(credential_id, by=institution, reason=reason, now=_now())
    except IssuerError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo("revoked: " + ", ".join(revoked))


def _as_of(value: str | None):
    try:
        return date.fromisoformat(value) if value else _now().date()
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint="--as-of") from None


@command
@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare everything, then exit.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """The one-command tour: init, sample records, issue everything due, close both semesters, serve."""
    if not current_app.config["KEY_PASSPHRASE"]:
        click.echo("ISSUER_KEY_PASSPHRASE is not set: using a development passphrase kept in the "
                   "instance folder (never do this in production)", err=True)
        current_app.config["KEY_PASSPHRASE"] = dev_passphrase(current_app)
    if current_app.config["PUBLIC_URL"] == DEFAULTS["PUBLIC_URL"]:  # links and DIDs follow --host/--port
        current_app.config["PUBLIC_URL"] = f"http://{host}:{port}"
    keystore_module.init_app(current_app)
    initialise()
    if CompletionRepository(db.session()).count() == 0:
        loaded = load_sample_completions(db.session(), now=_now())
        click.echo("sample records: " + ", ".join(f"{k} {v}" for k, v in loaded.items()))
    today = _now().date()
    hosts = sorted(code for code, i in CatalogueRepository(db.session()).institutions().items() if i.member)
    issued = [i for code in hosts for i in issue_all(code, as_of=today)["issued"]]
    reports = [close(semester.id) for semester in CatalogueRepository(db.session()).semesters()]
    itineraries = [i for r in reports for i in r["issued"]]
    click.echo(f"{len(issued)} individual and {len(itineraries)} itinerary certificates")
    base = current_app.config["PUBLIC_URL"]
    for entry in issued[:3] + itineraries[:2]:
        click.echo(f"  verify: {base}/credentials/{entry['credential']}/verify")
    token = TokenService(db.session()).create("AISBL", label="demo", now=_now())
    click.echo(f"AISBL token (shown once): {token}")
    click.echo(f"try: {base}/health  {base}/catalogue  {base}/verify")
    if not no_serve:
        serve(host, port)


@command
@click.group("keys")
def keys_group() -> None:
    """Manage the institutions' signing keys."""


@keys_group.command("rotate")
@click.argument("code")
@with_appcontext
def keys_rotate(code: str) -> None:
    """Retire CODE's current Data Integrity keys and make new ones; print the new key ids.

    Retired keys stay published (DID document, database), so credentials signed before keep
    verifying. The XML-signing key and certificate are kept.
    """
    session = db.session()
    if code not in CatalogueRepository(session).institutions():
        raise click.ClickException(f"unknown institution {code}")
    store = keystore()
    try:
        added = store.rotate(code, now=_now())
    except IssuerError as exc:
        raise click.ClickException(exc.detail) from None
    mirror_public_keys(session, store, code)
    session.commit()
    for record in added:
        click.echo(record.key_id)


@keys_group.command("import-pkcs12")
@click.argument("code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--password-env", default=None, metavar="VAR",
              help="Environment variable holding the PKCS#12 password (never on the command line).")
@with_appcontext
def keys_import_pkcs12(code: str, file: Path, password_env: str | None) -> None:
    """Use the key and X.509 certificate in a PKCS#12 FILE for CODE's XML signatures.

    The previous XML key is retired but kept, so XML credentials signed earlier keep verifying.
    """
    session = db.session()
    if code not in CatalogueRepository(session).institutions():
        raise click.ClickException(f"unknown institution {code}")
    password = os.environ.get(password_env) if password_env else None
    store = keystore()
    try:
        record = store.import_pkcs12(code, file.read_bytes(), password, now=_now())
    except IssuerError as exc:
        raise click.ClickException(exc.detail) from None
    mirror_public_keys(session, store, code)
    session.commit()
    click.echo(record.key_id)


@command
@click.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@with_appcontext
def verify_command(file: Path, as_json: bool) -> None:
    """Verify a credential FILE (JSON-LD or XML, told by its content); exit 0 if verified, 1 if not."""
    with file.open("rb") as handle:
        data = handle.read(MAX_BODY_BYTES + 1)
    service = VerificationService(db.session(), keystore=keystore(), public_url=current_app.config["PUBLIC_URL"])
    result = service.verify_any(data, "", now=_now())
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        for check in result.checks:
            mark = "ok  " if check.ok else "FAIL"
            click.echo(f"{mark} {check.check:<10} {check.code:<26} {check.detail}")
        click.echo("verified" if result.verified else "NOT verified")
    click.get_current_context().exit(0 if result.verified else 1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
