"""Browser tests: the real app on a localhost port, driven by Debian's headless Chromium.

The app runs on a fresh SQLite database and keys directory in a background thread (werkzeug's
``make_server``), with a credential issued through the HTTP API. Chromium is driven by Python
Playwright against ``/usr/bin/chromium`` (``playwright install`` is never needed). Without the
browser or the package these tests are skipped, with the reason.
"""
from __future__ import annotations

import importlib.util
import json
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from issuer import create_app
from tests.conftest import ROOT, TEST_PASSPHRASE
from tests.web.helpers import record

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is absent (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is absent (pip install playwright)"
    return None


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # keep the test output readable
        pass


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> LiveServer:
    """The app serving on a free localhost port (fresh SQLite database and keys); stops after the session."""
    reason = _missing()
    if reason:
        print(f"browser tests skipped: {reason}")
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("browser")
    # bind first: the app's PUBLIC_URL (QR codes, verify links) needs the port
    server = make_server("127.0.0.1", 0, None, threaded=True, request_handler=_QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp / 'issuer.sqlite'}",
                      "KEYS_DIR": str(tmp / "keys"), "KEY_PASSPHRASE": TEST_PASSPHRASE, "PUBLIC_URL": url,
                      "HOLIDAYS": "2025-05-01"})
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    server.app = app
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(url, app)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    app.extensions["issuer.engine"].dispose()


@pytest.fixture(scope="session")
def issued(live_server) -> dict:
    """One credential issued through the HTTP API: {"id", "jsonld" (text), "verify_url"}."""
    created = live_server.app.test_cli_runner().invoke(args=["tokens", "create", "KU"])
    assert created.exit_code == 0, created.output
    headers = {"Authorization": f"Bearer {created.output.strip()}", "Content-Type": "application/json"}
    _post(f"{live_server.url}/api/completions", [record("S-1")], headers)
    answer = _post(f"{live_server.url}/api/credentials/issue", {"as_of": "2025-01-15"}, headers)
    credential_id = answer["issued"][0]["credential"]
    with urllib.request.urlopen(f"{live_server.url}/credentials/{credential_id}", timeout=30) as response:
        jsonld = response.read().decode("utf-8")
    return {"id": credential_id, "jsonld": jsonld,
            "verify_url": f"{live_server.url}/credentials/{credential_id}/verify"}


def _post(url: str, body, headers: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        return json.loads(response.read())


@pytest.fixture(scope="session")
def browser(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, java_script_enabled=False)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
