"""The ``issuer`` command line (a Flask CLI group: ``flask --app wsgi ...`` works too)."""
from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from issuer.errors import InvalidUpload, IssuerError
from issuer.services.keystore import KeyStore, mirror_public_keys
from issuer.services.completions import CompletionService, rows_from_body
from issuer.services.reference import read_reference_files, store_reference_data
from issuer.services.sample import load_sample_completions
from issuer.services.tokens import TokenService
from issuer.store import db


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
    current_app.run(host=host, port=port, threaded=True, use_reloader=False)


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
@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare everything, then exit.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """The one-command tour: init, load the sample records, then serve."""
    initialise()
    loaded = load_sample_completions(db.session(), now=_now())
    click.echo("sample records: " + ", ".join(f"{k} {v}" for k, v in loaded.items()))
    token = TokenService(db.session()).create("AISBL", label="demo", now=_now())
    click.echo(f"demo token for AISBL (shown once): {token}")
    base = current_app.config["PUBLIC_URL"]
    click.echo(f"try: curl {base}/health ; curl {base}/catalogue")
    if not no_serve:
        current_app.run(host=host, port=port, threaded=True, use_reloader=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
