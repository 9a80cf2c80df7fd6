"""Configuration: defaults plus ``ISSUER_*`` environment variables. The only reader of the environment."""
from __future__ import annotations

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
DEV_PASSPHRASE = "conexus-dev-only-passphrase"  # only with DEV_MODE; production refuses it


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
        cfg["KEY_PASSPHRASE"] = DEV_PASSPHRASE
    cfg["KEYS_DIR"] = str(Path(cfg["KEYS_DIR"]).resolve())
    cfg["PUBLIC_URL"] = str(cfg["PUBLIC_URL"]).rstrip("/")
    cfg["HOLIDAY_DATES"] = parse_holidays(cfg["HOLIDAYS"] or "")
    cfg["INSTITUTIONS_FILE"] = str(cfg["INSTITUTIONS_FILE"] or DATA_DIR / "institutions.json")
    cfg["CATALOGUE_FILE"] = str(cfg["CATALOGUE_FILE"] or DATA_DIR / "catalogue.json")
    cfg["MAX_CONTENT_LENGTH"] = int(cfg["MAX_UPLOAD_BYTES"])


def _keep_string(value: str):
    # from_prefixed_env json-loads values by default; "2025-01-01" must stay a string
    return value


def _truthy(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}

