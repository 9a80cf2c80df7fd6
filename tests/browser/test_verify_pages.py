"""The verification pages in a real browser (JavaScript off): upload a file, follow the QR link."""
from __future__ import annotations

import io

from PIL import Image

GREEN, RED = (0x1e, 0x7b, 0x34), (0xb3, 0x26, 0x1e)


def test_upload_a_credential_file(page, live_server, issued, artifacts, tmp_path):
    credential_file = tmp_path / f"credential-{issued['id']}.jsonld"
    credential_file.write_text(issued["jsonld"], encoding="utf-8")
    response = page.goto(f"{live_server.url}/verify")
    assert response.status == 200
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page.set_input_files("#credential_file", str(credential_file))
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.text_content("#verdict") == "Verified"
    assert page.text_content("#learner").strip() == "Gabrielė Žukauskaitė"
    assert page.locator(".check-ok").count() >= 4 and page.locator(".check-fail").count() == 0
    _assert_styled(page, GREEN)
    page.screenshot(path=str(artifacts / "verify-upload.png"), full_page=True)


def test_follow_the_qr_link(page, issued, artifacts):
    response = page.goto(issued["verify_url"])
    assert response.status == 200
    assert page.text_content("#verdict") == "Verified"
    assert page.text_content("#learner").strip() == "Gabrielė Žukauskaitė"
    linkedin = page.get_attribute("#linkedin", "href")
    assert linkedin.startswith("https://www.linkedin.com/profile/add?") and f"certId={issued['id']}" in linkedin
    downloads = page.locator(".downloads a")
    assert downloads.count() == 4
    _assert_styled(page, GREEN)
    page.screenshot(path=str(artifacts / "verify-qr-target.png"), full_page=True)


def test_tampered_paste(page, live_server, issued, artifacts):
    page.goto(f"{live_server.url}/verify")
    page.fill("#credential", issued["jsonld"].replace("Žukauskaitė", "Jones"))
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.text_content("#verdict") == "Not verified"
    assert "The digital signature does not match" in page.text_content(".check-fail")
    assert "Jones" not in page.content()
    _assert_styled(page, RED)
    page.screenshot(path=str(artifacts / "verify-tampered.png"), full_page=True)


def _assert_styled(page, colour: tuple[int, int, int]) -> None:
    """The stylesheet loaded under the CSP: the verdict banner's left border has the verdict's colour."""
    shot = Image.open(io.BytesIO(page.locator(".verdict").screenshot())).convert("RGB")
    assert shot.getpixel((4, shot.height // 2)) == colour
