"""Configuration: defaults plus ``ISSUER_*`` environment variables. The only reader of the environment."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from issuer.domain.calendar import parse_holidays

DEFAULTS = {
    "DATABASE_URL": None,  # None: a SQLite file in the instance folder
    "KEYS_DIR": "keys",
    "KEY_PASSPHRASE": None,
    "PUBLIC_URL": "http://127.0.0.1:5000",
    "HOLIDAYS": "",
    "DID_METHOD": "web",  # "web" or "key"
    "INSTITUTIONS_FILE": None,  # None: the bundled issuer/data/institutions.json
    "CATALOGUE_FILE": None,  # None: the bundled issuer/data/catalogue.json
    "DEV_MODE": False,  # allows the generated development passphrase and dev keys
    "MAX_UPLOAD_BYTES": 20 * 1024 * 1024,
}

DATA_DIR = Path(__file__).resolve().parent / "data"


def configure(app: Flask, test_config: dict | None) -> None:
    """Fill ``app.config`` from defaults, then the environment (or ``test_config``), then derive."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_prefixed_env("ISSUER", loads=_keep_string)
    else:
        app.config.update(test_config)
    cfg = app.config
    if not cfg["DATABASE_URL"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        cfg["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'issuer.sqlite'}"
    cfg["DEV_MODE"] = _truthy(cfg["DEV_MODE"])
    if not cfg["KEY_PASSPHRASE"] and cfg["DEV_MODE"]:
        cfg["KEY_PASSPHRASE"] = dev_passphrase(app)
    cfg["KEYS_DIR"] = str(Path(cfg["KEYS_DIR"]).resolve())
    cfg["PUBLIC_URL"] = str(cfg["PUBLIC_URL"]).rstrip("/")
    cfg["HOLIDAY_DATES"] = parse_holidays(cfg["HOLIDAYS"] or "")
    cfg["INSTITUTIONS_FILE"] = str(cfg["INSTITUTIONS_FILE"] or DATA_DIR / "institutions.json")
    cfg["CATALOGUE_FILE"] = str(cfg["CATALOGUE_FILE"] or DATA_DIR / "catalogue.json")
    cfg["MAX_CONTENT_LENGTH"] = int(cfg["MAX_UPLOAD_BYTES"])


def dev_passphrase(app: Flask) -> str:
    """Development only: a random passphrase kept in the instance folder (mode 0600), so that
    ``issuer demo`` works on a fresh machine without a secret in the repository or the shell."""
    path = Path(app.instance_path) / "dev-key-passphrase"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(32))
    return path.read_text(encoding="ascii").strip()


def _keep_string(value: str):
    # from_prefixed_env json-loads values by default; "2025-01-01" must stay a string
    return value


def _truthy(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}

