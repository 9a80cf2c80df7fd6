"""HTTP interface: blueprints and the error table."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from issuer.web import api, credentials, errors, public, verify_api
    from issuer.web import openapi, vcapi
    from issuer.web import pages

    errors.register(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(credentials.bp)
    app.register_blueprint(verify_api.bp)
    app.register_blueprint(vcapi.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(pages.bp)
    app.json.sort_keys = False
