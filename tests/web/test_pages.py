"""The human verification pages: form token, verdicts in plain words, escaping, headers, QR target."""
from __future__ import annotations

import html
import io
import json
import re
from collections import defaultdict
from urllib.parse import parse_qs, urlsplit

import pytest


from tests.web.helpers import record, to_csv
from tests.web.itinerary_plan import interdisciplinary_courses, records_for

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
XSS_NAME = "<script>alert(1)</script>"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def _issue_one(client, headers, **overrides) -> str:
    response = client.post("/api/completions", json=[record("S-1", **overrides)], headers=headers)
    assert response.status_code == 200, response.get_json()
    issued = client.post("/api/credentials/issue", json={"as_of": "2025-01-15"}, headers=headers)
    assert issued.status_code == 200, issued.get_json()
    return issued.get_json()["issued"][0]["credential"]


@pytest.fixture
def credential_id(client, token_for) -> str:
    return _issue_one(client, token_for("KU"))


def _token(client) -> str:
    page = client.get("/verify")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert match, "the form carries a token"
    return match.group(1)


def _paste(client, text: str):
    return client.post("/verify", data={"csrf_token": _token(client), "credential": text})


def _verdict(page: str) -> str:
    match = re.search(r'<h1 class="verdict-title" id="verdict">([^<]+)</h1>', page)
    assert match, "the page shows a verdict"
    return match.group(1)


def _assert_headers(response) -> None:
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_form_has_a_token_and_a_hardened_cookie(client):
    response = client.get("/verify")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert re.search(r'<form method="post" action="/verify" enctype="multipart/form-data">', page)
    assert re.search(r'name="csrf_token" value="[0-9a-f]{64}"', page)
    assert 'type="file"' in page and "<textarea" in page and "<script" not in page
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/verify" in cookie
    _assert_headers(response)


def test_token_is_stable_for_the_cookie(client):
    assert _token(client) == _token(client)


@pytest.mark.parametrize("form", [{}, {"csrf_token": ""}, {"csrf_token": "0" * 64}, {"csrf_token": "ü"}],
                         ids=["missing", "empty", "forged", "non-ascii"])
def test_post_without_a_valid_token_is_refused(client, form):
    client.get("/verify")  # the cookie is there; the token is not right
    response = client.post("/verify", data={**form, "credential": "{}"})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "The form has expired" in response.get_data(as_text=True)
    _assert_headers(response)


def test_token_from_another_browser_is_refused(app, client):
    token = _token(app.test_client())  # a token bound to someone else's cookie
    client.get("/verify")
    assert client.post("/verify", data={"csrf_token": token, "credential": "{}"}).status_code == 400


def test_post_without_the_cookie_is_refused(app, client):
    token = _token(client)
    fresh = app.test_client()
    assert fresh.post("/verify", data={"csrf_token": token, "credential": "{}"}).status_code == 400


def test_issued_credential_pasted_is_verified(client, credential_id):
    document = client.get(f"/credentials/{credential_id}").get_data(as_text=True)
    response = _paste(client, document)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _verdict(page) == "Verified"
    assert "Gabrielė Žukauskaitė" in page
    assert "The digital signature is intact" in page
    assert "The issuer has not revoked this certificate" in page
    assert 'class="check-fail"' not in page
    _assert_headers(response)


def test_issued_xml_uploaded_as_a_file_is_verified(client, credential_id):
    xml = client.get(f"/credentials/{credential_id}?format=xml").data
    response = client.post("/verify", content_type="multipart/form-data", data={
        "csrf_token": _token(client), "credential": "",
        "credential_file": (io.BytesIO(xml), "certificate.xml")})
    page = response.get_data(as_text=True)
    assert _verdict(page) == "Verified" and "Gabrielė Žukauskaitė" in page


def test_tampered_credential_is_not_verified_and_shows_no_content(client, credential_id):
    document = client.get(f"/credentials/{credential_id}").get_data(as_text=True)
    tampered = document.replace("Žukauskaitė", "Jones")
    assert tampered != document
    page = _paste(client, tampered).get_data(as_text=True)
    assert _verdict(page) == "Not verified"
    assert "The digital signature does not match" in page
    assert "Jones" not in page and "Žukauskaitė" not in page
    assert 'class="certificate' not in page


def test_revoked_credential_says_so_in_plain_words(client, token_for, credential_id):
    revoked = client.post(f"/api/credentials/{credential_id}/revoke", json={"reason": "grade corrected"},
                          headers=token_for("KU"))
    assert revoked.status_code == 200
    page = client.get(f"/credentials/{credential_id}/verify").get_data(as_text=True)
    assert _verdict(page) == "Not verified"
    assert "The issuer has revoked this certificate" in page
    assert 'class="certificate certificate-verified' not in page
    assert 'id="linkedin"' not in page


@pytest.mark.parametrize("garbage", ["not a credential", "<a>unsigned</a>", "[1, 2]"])
def test_garbage_is_not_verified(client, garbage):
    response = _paste(client, garbage)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _verdict(page) == "Not verified"
    assert 'class="check-fail"' in page and 'class="certificate' not in page


def test_nothing_submitted(client):
    response = _paste(client, "   ")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was pasted or uploaded" in page


def _multipart(token: str, content: bytes) -> tuple[bytes, str]:
    # built by hand: the test client would spool a large file to an unclosed temporary file
    head = (f'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            '--B\r\nContent-Disposition: form-data; name="credential_file"; filename="big.jsonld"\r\n'
            'Content-Type: application/ld+json\r\n\r\n').encode("ascii")
    return head + content + b"\r\n--B--\r\n", "multipart/form-data; boundary=B"


@pytest.mark.parametrize("how", ["file", "pasted"])
def test_input_over_the_limit_is_refused(client, how):
    token, big = _token(client), b" " * (3 * 1024 * 1024)
    if how == "file":
        body, content_type = _multipart(token, big)
        response = client.post("/verify", data=body, content_type=content_type)
    else:
        response = client.post("/verify", data={"csrf_token": token, "credential": big.decode("ascii")})
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "File too large" in response.get_data(as_text=True)
    _assert_headers(response)


def test_learner_name_is_escaped(client, token_for):
    credential_id = _issue_one(client, token_for("KU"), given_name=XSS_NAME)
    document = client.get(f"/credentials/{credential_id}").get_data(as_text=True)
    for response in (_paste(client, document), client.get(f"/credentials/{credential_id}/verify")):
        page = response.get_data(as_text=True)
        assert _verdict(page) == "Verified"
        assert html.escape(XSS_NAME) in page
        assert "<script" not in page
        _assert_headers(response)


def test_qr_target_shows_verdict_downloads_and_linkedin(client, credential_id):
    response = client.get(f"/credentials/{credential_id}/verify")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _verdict(page) == "Verified"
    assert "Gabrielė Žukauskaitė" in page
    for fmt in ("jsonld", "xml", "pdf", "html"):
        href = f"/credentials/{credential_id}?format={fmt}"
        assert f'href="{href}"' in page
        assert client.get(href).status_code == 200
    _assert_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_linkedin_link_is_prefilled(client, credential_id):
    page = client.get(f"/credentials/{credential_id}/verify").get_data(as_text=True)
    href = html.unescape(re.search(r'id="linkedin" href="([^"]+)"', page).group(1))
    url = urlsplit(href)
    assert (url.scheme, url.netloc, url.path) == ("https", "www.linkedin.com", "/profile/add")
    params = {k: v[0] for k, v in parse_qs(url.query, strict_parsing=True).items()}
    document = json.loads(client.get(f"/credentials/{credential_id}").data)
    issued = document["validFrom"][:7]
    assert params["startTask"] == "CERTIFICATION_NAME"
    assert params["name"] and params["name"] in page
    assert params["organizationName"] == "Klaipėda University"
    assert f"{params['issueYear']}-{int(params['issueMonth']):02d}" == issued
    assert params["certUrl"] == f"http://issuer.test/credentials/{credential_id}/verify"
    assert params["certId"] == credential_id
    assert " " not in url.query and "+" not in url.query  # spaces are %20


def test_itinerary_shows_its_six_components(client, token_for):
    student = {"student_id": "KU-0001", "home_university": "KU", "given_name": "Ona",
               "family_name": "Kazlauskienė", "email": "ona@example.org", "date_of_birth": ""}
    runs = interdisciplinary_courses(("LRUniv", "UCV"))
    by_host = defaultdict(list)
    for run, row in zip(runs, records_for(student, runs)):
        by_host[run["host"]].append(row)
    for host, rows in by_host.items():
        headers = token_for(host)
        assert client.post("/api/completions", data=to_csv(rows), headers=headers,
                           content_type="text/csv").status_code == 200
        assert client.post("/api/credentials/issue", json={"as_of": "2025-07-31"}, headers=headers).status_code == 200
    report = client.post("/api/semesters/2025-spring/close", headers=token_for("AISBL")).get_json()
    itinerary = report["issued"][0]

    page = client.get(f"/credentials/{itinerary['credential']}/verify").get_data(as_text=True)
    assert _verdict(page) == "Verified" and "Interdisciplinary certificate" in page
    assert "Ona Kazlauskienė" in page
    titles = re.findall(r'<span class="component-title"><a href="/credentials/([0-9a-f-]+)/verify">', page)
    assert sorted(titles) == sorted(c["credential"] for c in itinerary["components"])
    assert all(run["code"] in page for run in runs)
    assert "Every micro-credential this certificate is built on is genuine and valid" in page


@pytest.mark.parametrize("credential_id", [UNKNOWN_ID, "not-an-id", "x" * 100])
def test_unknown_credential_is_a_404_page(client, credential_id):
    response = client.get(f"/credentials/{credential_id}/verify")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Certificate not found" in response.get_data(as_text=True)
    _assert_headers(response)


def test_stylesheet_is_served(client):
    response = client.get("/static/verify.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    response.close()
