"""conexus-issuer: issues and verifies the signed certificates of the EU-CONEXUS SmUCS programme."""
from __future__ import annotations

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """The application factory: configuration, storage, blueprints."""
    from issuer import cli, config, web
    from issuer.services import keystore
    from issuer.store import db

    app = Flask(__name__, instance_relative_config=True)
    config.configure(app, test_config)
    keystore.init_app(app)
    db.init_app(app)
    web.register(app)
    cli.register(app)
    return app
