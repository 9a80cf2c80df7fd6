"""The enveloped XML Signature profile: signs inside proof, verifies strictly, and with xmlsec1."""
from __future__ import annotations

import copy
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner

from issuer.credentials.xml import (
    CRED,
    SNB,
    build_credential_xml,
    individual_c14n,
    parse_xml,
    to_bytes,
    validate_xsd,
)
from issuer.domain.model import ItineraryKind
from issuer.errors import InvalidProof, InvalidXml, KeyMaterialError
from issuer.signing.xmldsig import DS, VerifiedXml, sign_c14n, sign_xml, verify_xml
from tests.unit.credentials.xml_fixtures import (
    AISBL_DID,
    build_kwargs,
    individual_award,
    itinerary_award,
    make_ca,
    make_leaf,
    new_key,
    pem,
)

XMLSEC1 = shutil.which("xmlsec1")
NS = {"e": SNB, "ds": DS, "cred": CRED}
KEY_KINDS = ["p256", "rsa2048"]
ALGORITHMS = {"p256": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
              "rsa2048": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"}


@pytest.fixture(scope="module")
def pki():
    return make_ca()


@pytest.fixture(scope="module", params=KEY_KINDS)
def signer(request, pki):
    key = new_key(request.param)
    return request.param, key, make_leaf(pki, key)


@pytest.fixture(scope="module")
def unsigned():
    return build_credential_xml(individual_award(), **build_kwargs())


@pytest.fixture(scope="module")
def signed(signer, unsigned):
    _, key, cert = signer
    return to_bytes(sign_xml(unsigned, private_key=key, certificate=cert))


def _signature(root) -> etree._Element:
    (signature,) = root.iter(f"{{{DS}}}Signature")
    return signature


# --- signing and the placement of the signature ------------------------------------------------

def test_signature_sits_alone_inside_proof_and_the_document_stays_xsd_valid(signer, signed):
    kind, _, _ = signer
    root = parse_xml(signed)
    validate_xsd(root)
    signature = _signature(root)
    proof = signature.getparent()
    assert proof.tag == f"{{{SNB}}}proof" and proof.getparent() is root and list(proof) == [signature]
    assert root[-1] is proof
    assert signature.find("ds:SignedInfo/ds:SignatureMethod", NS).get("Algorithm") == ALGORITHMS[kind]
    assert signature.find("ds:SignedInfo/ds:CanonicalizationMethod", NS).get("Algorithm") == \
        "http://www.w3.org/2001/10/xml-exc-c14n#"
    (reference,) = signature.findall("ds:SignedInfo/ds:Reference", NS)
    assert reference.get("URI") == ""
    assert signature.find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS) is not None


def test_signing_leaves_the_unsigned_tree_alone(signer, unsigned):
    _, key, cert = signer
    before = etree.tostring(unsigned)
    sign_xml(unsigned, private_key=key, certificate=cert)
    assert etree.tostring(unsigned) == before


def test_signing_in_place_signs_that_tree_as_a_copy_would_be_signed(signer, unsigned):
    _, key, cert = signer
    copied = sign_xml(unsigned, private_key=key, certificate=cert)
    mine = copy.deepcopy(unsigned)
    assert sign_xml(mine, private_key=key, certificate=cert, in_place=True) is mine
    assert mine.findtext(".//ds:DigestValue", namespaces=NS) == copied.findtext(".//ds:DigestValue", namespaces=NS)
    assert verify_xml(to_bytes(mine), trusted_certificates=[cert]).root is not None


def test_verifies_against_the_institution_certificate(signer, signed):
    _, _, cert = signer
    result = verify_xml(signed, trusted_certificates=[cert])
    assert isinstance(result, VerifiedXml)
    assert result.certificate == cert
    assert result.root.tag == f"{{{SNB}}}europassCredential"
    assert result.root.find(".//ds:Signature", NS) is None  # only what was signed
    assert result.root.findtext("e:credentialSubject/e:familyName/e:text", namespaces=NS) == "Martínez"


def test_verifies_against_the_ca(pki, signed):
    assert verify_xml(signed, ca_certificates=[pki.ca]).root is not None


def test_verifies_through_a_callback(signer, signed):
    _, _, cert = signer
    seen = []
    verify_xml(signed, accept_certificate=lambda c: seen.append(c) or c == cert)
    assert seen == [cert]


def test_itinerary_signs_and_stays_xsd_valid(signer):
    _, key, cert = signer
    root = build_credential_xml(itinerary_award(ItineraryKind.EXPERTISE), **build_kwargs(AISBL_DID))
    data = to_bytes(sign_xml(root, private_key=key, certificate=cert))
    validate_xsd(parse_xml(data))
    assert verify_xml(data, trusted_certificates=[cert])


def test_proof_goes_before_child_credentials(signer, unsigned):
    _, key, cert = signer
    root = copy.deepcopy(unsigned)
    etree.SubElement(root, f"{{{SNB}}}childCredentials")
    signed_root = sign_xml(root, private_key=key, certificate=cert)
    assert [etree.QName(c).localname for c in signed_root[-2:]] == ["proof", "childCredentials"]
    validate_xsd(signed_root)


def test_p384_and_small_rsa_keys_are_refused(pki, unsigned):
    key = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(KeyMaterialError, match="P-256"):
        sign_xml(unsigned, private_key=key, certificate=make_leaf(pki, key))


def test_a_certificate_for_another_key_is_refused(pki, unsigned):
    with pytest.raises(KeyMaterialError, match="does not match"):
        sign_xml(unsigned, private_key=new_key("p256"), certificate=make_leaf(pki, new_key("p256")))


def test_signing_twice_is_refused(signer, signed):
    _, key, cert = signer
    with pytest.raises(InvalidXml, match="already signed"):
        sign_xml(parse_xml(signed), private_key=key, certificate=cert)


# --- xmlsec1, an independent verifier ------------------------------------------------------------

def _xmlsec1(tmp_path, data: bytes, ca_pem: bytes) -> subprocess.CompletedProcess:
    (tmp_path / "ca.pem").write_bytes(ca_pem)
    (tmp_path / "credential.xml").write_bytes(data)
    return subprocess.run(
        [XMLSEC1, "--verify", "--trusted-pem", str(tmp_path / "ca.pem"),
         "--enabled-reference-uris", "empty", str(tmp_path / "credential.xml")],
        capture_output=True, text=True, timeout=60, check=False,
    )


@pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 not installed")
def test_xmlsec1_verifies_an_issued_credential_and_rejects_a_changed_name(tmp_path, pki, signer, signed):
    _, _, cert = signer
    validate_xsd(parse_xml(signed))
    ok = _xmlsec1(tmp_path, signed, pem(pki.ca))
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stderr

    tampered = signed.replace("Martínez".encode(), "Martínex".encode())
    assert tampered != signed
    bad = _xmlsec1(tmp_path, tampered, pem(pki.ca))
    assert bad.returncode != 0
    assert "FAIL" in bad.stderr
    with pytest.raises(InvalidProof):
        verify_xml(tampered, trusted_certificates=[cert])


@pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 not installed")
def test_xmlsec1_rejects_a_certificate_from_another_ca(tmp_path, signed):
    assert _xmlsec1(tmp_path, signed, pem(make_ca("Other CA").ca)).returncode != 0


# --- tampering: any one-field change fails -------------------------------------------------------

TAMPERS = {
    "given name": ("e:credentialSubject/e:givenNames/e:text", "Lucio"),
    "grade": ("e:credentialSubject/e:achievements/e:learningAchievement/e:wasDerivedFrom/e:grade", "10"),
    "ects": ("e:learningSpecificationReferences/e:qualification/e:hasECTSCreditPoints", "6"),
    "course code": ("e:learningSpecificationReferences/e:qualification/e:identifier", "SMA-IND40-99"),
    "issued": ("cred:issued", "2020-01-01T00:00:00+00:00"),
}


@pytest.mark.parametrize("field", sorted(TAMPERS))
def test_any_one_field_change_fails(signer, signed, field):
    _, _, cert = signer
    path, value = TAMPERS[field]
    root = parse_xml(signed)
    root.xpath(path, namespaces=NS)[0].text = value
    with pytest.raises(InvalidProof):
        verify_xml(to_bytes(root), trusted_certificates=[cert])


def test_a_changed_attribute_fails(signer, signed):
    _, _, cert = signer
    root = parse_xml(signed)
    root.find("cred:issuer", NS).set("idref", "did:web:attacker.example")
    with pytest.raises(InvalidProof):
        verify_xml(to_bytes(root), trusted_certificates=[cert])


def test_a_changed_signature_value_fails(signer, signed):
    _, _, cert = signer
    root = parse_xml(signed)
    value = _signature(root).find("ds:SignatureValue", NS)
    value.text = ("B" if value.text[0] != "B" else "C") + value.text[1:]
    with pytest.raises(InvalidProof):
        verify_xml(to_bytes(root), trusted_certificates=[cert])


# --- signature wrapping --------------------------------------------------------------------------

def _forge(root) -> None:
    root.find("e:credentialSubject/e:familyName/e:text", NS).text = "Mallory"


def test_signed_content_moved_into_an_object_is_rejected(signer, signed):
    _, _, cert = signer
    root = parse_xml(signed)
    original = copy.deepcopy(root)
    _forge(root)
    obj = etree.SubElement(_signature(root), f"{{{DS}}}Object")
    obj.append(original.find("e:credentialSubject", NS))
    with pytest.raises(InvalidProof):
        verify_xml(to_bytes(root), trusted_certificates=[cert])


def test_a_forged_credential_wrapping_the_signed_one_is_rejected(signer, signed):
    _, _, cert = signer
    original = parse_xml(signed)
    forged = copy.deepcopy(original)
    _forge(forged)
    forged.remove(forged.find("e:proof", NS))
    etree.SubElement(forged, f"{{{SNB}}}proof")
    child = etree.SubElement(etree.SubElement(forged, f"{{{SNB}}}childCredentials"),
                             f"{{{SNB}}}childCredential", id="c1")
    child.append(original)
    with pytest.raises(InvalidProof, match="proof element"):
        verify_xml(to_bytes(forged), trusted_certificates=[cert])


def test_the_signature_moved_onto_a_forged_credential_is_rejected(signer, signed):
    _, _, cert = signer
    original = parse_xml(signed)
    forged = copy.deepcopy(original)
    _forge(forged)
    # The original (minus its signature) hides in childCredentials; the signature moves up.
    hidden = copy.deepcopy(original)
    hidden.find("e:proof", NS).remove(_signature(hidden))
    child = etree.SubElement(etree.SubElement(forged, f"{{{SNB}}}childCredentials"),
                             f"{{{SNB}}}childCredential", id="c1")
    child.append(hidden)
    with pytest.raises(InvalidProof):
        verify_xml(to_bytes(forged), trusted_certificates=[cert])


def test_a_second_signature_is_rejected(signer, signed):
    _, _, cert = signer
    root = parse_xml(signed)
    root.find("e:proof", NS).append(copy.deepcopy(_signature(root)))
    with pytest.raises(InvalidProof, match="exactly one ds:Signature"):
        verify_xml(to_bytes(root), trusted_certificates=[cert])


def test_a_signature_outside_proof_is_rejected(signer, signed):
    _, _, cert = signer
    root = parse_xml(signed)
    root.append(_signature(root))
    with pytest.raises(InvalidProof, match="proof element"):
        verify_xml(to_bytes(root), trusted_certificates=[cert])


def test_a_reference_to_a_fragment_is_rejected(signer, signed):
    _, _, cert = signer
    root = parse_xml(signed)
    _signature(root).find("ds:SignedInfo/ds:Reference", NS).set("URI", "#urn:uuid:x")
    with pytest.raises(InvalidProof, match="whole document"):
        verify_xml(to_bytes(root), trusted_certificates=[cert])


# --- algorithms and trust --------------------------------------------------------------------------

class _LegacySigner(XMLSigner):
    """Produces what the verifier must refuse (signxml itself refuses to sign with SHA-1)."""

    def check_deprecated_methods(self):
        pass


def _legacy_sign(unsigned, key, cert, **algorithms) -> bytes:
    document = copy.deepcopy(unsigned)
    proof = etree.SubElement(document, f"{{{SNB}}}proof")
    etree.SubElement(proof, f"{{{DS}}}Signature", Id="placeholder")
    signer = _LegacySigner(**{"c14n_algorithm": CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
                              "digest_algorithm": DigestAlgorithm.SHA256, **algorithms})
    return to_bytes(signer.sign(document, key=key, cert=[cert]))


@pytest.fixture(scope="module")
def rsa_signer(pki):
    key = new_key("rsa2048")
    return key, make_leaf(pki, key)


@pytest.mark.parametrize("algorithms, message", [
    ({"signature_algorithm": SignatureMethod.RSA_SHA1}, "signature method"),
    ({"signature_algorithm": SignatureMethod.RSA_SHA256, "digest_algorithm": DigestAlgorithm.SHA1},
     "digest method"),
    ({"signature_algorithm": SignatureMethod.RSA_SHA512}, "signature method"),
    ({"signature_algorithm": SignatureMethod.RSA_SHA256,
      "c14n_algorithm": CanonicalizationMethod.CANONICAL_XML_1_1}, "canonicalization"),
], ids=["rsa-sha1", "sha1-digest", "rsa-sha512", "inclusive-c14n"])
def test_algorithms_outside_the_profile_are_rejected(unsigned, rsa_signer, algorithms, message):
    key, cert = rsa_signer
    data = _legacy_sign(unsigned, key, cert, **algorithms)
    with pytest.raises(InvalidProof, match=message):
        verify_xml(data, trusted_certificates=[cert])


def test_the_profile_itself_passes_the_legacy_helper(unsigned, rsa_signer):
    # Guards the test above: the same helper with the profile's algorithms verifies.
    key, cert = rsa_signer
    data = _legacy_sign(unsigned, key, cert, signature_algorithm=SignatureMethod.RSA_SHA256)
    assert verify_xml(data, trusted_certificates=[cert])


def test_an_untrusted_certificate_is_rejected(pki, signed, unsigned):
    # Same subject name, different key and CA: neither the institution's cert nor our CA.
    rogue_ca = make_ca("EU-CONEXUS Test CA")
    rogue_key = new_key("p256")
    rogue_cert = make_leaf(rogue_ca, rogue_key)
    forged = to_bytes(sign_xml(unsigned, private_key=rogue_key, certificate=rogue_cert))
    legit_cert = make_leaf(pki, new_key("p256"))
    with pytest.raises(InvalidProof, match="not trusted"):
        verify_xml(forged, trusted_certificates=[legit_cert])
    with pytest.raises(InvalidProof, match="trusted CA"):
        verify_xml(forged, ca_certificates=[pki.ca])
    with pytest.raises(InvalidProof):
        verify_xml(forged, accept_certificate=lambda c: False)


def test_trusting_another_institution_does_not_help(pki, signed):
    other = make_leaf(pki, new_key("p256"), "FredU")
    with pytest.raises(InvalidProof, match="not trusted"):
        verify_xml(signed, trusted_certificates=[other])


def test_an_expired_certificate_fails_now_but_verifies_at_signing_time(pki, unsigned):
    key = new_key("p256")
    start = datetime.now(UTC) - timedelta(days=400)
    cert = make_leaf(pki, key, not_before=start, not_after=start + timedelta(days=365))
    data = to_bytes(sign_xml(unsigned, private_key=key, certificate=cert))
    with pytest.raises(InvalidProof, match="expired"):
        verify_xml(data, trusted_certificates=[cert])
    assert verify_xml(data, trusted_certificates=[cert], at=start + timedelta(days=10))


def test_a_trust_anchor_is_required(signed):
    with pytest.raises(ValueError, match="trusted_certificates"):
        verify_xml(signed)


def test_an_unsigned_credential_is_rejected(unsigned, rsa_signer):
    _, cert = rsa_signer
    with pytest.raises(InvalidProof, match="exactly one ds:Signature"):
        verify_xml(to_bytes(unsigned), trusted_certificates=[cert])


def test_hostile_xml_is_rejected_before_any_signature_work(rsa_signer):
    _, cert = rsa_signer
    data = (b'<!DOCTYPE r [<!ENTITY e "x">]>'
            b'<europassCredential xmlns="http://data.europa.eu/snb">&e;</europassCredential>')
    with pytest.raises(InvalidXml):
        verify_xml(data, trusted_certificates=[cert])


def test_a_document_that_is_not_a_credential_is_invalid_xml(rsa_signer):
    _, cert = rsa_signer
    with pytest.raises(InvalidXml, match="europassCredential"):
        verify_xml(b"<root/>", trusted_certificates=[cert])


def test_a_p384_certificate_is_outside_the_profile(pki, unsigned):
    key = ec.generate_private_key(ec.SECP384R1())
    cert = make_leaf(pki, key)
    document = copy.deepcopy(unsigned)
    etree.SubElement(etree.SubElement(document, f"{{{SNB}}}proof"), f"{{{DS}}}Signature", Id="placeholder")
    signer = XMLSigner(signature_algorithm=SignatureMethod.ECDSA_SHA256, digest_algorithm=DigestAlgorithm.SHA256,
                       c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    data = to_bytes(signer.sign(document, key=key, cert=[cert]))
    with pytest.raises(InvalidProof, match="P-256"):
        verify_xml(data, trusted_certificates=[cert])


# --- the hand-built signature is signxml's, byte for byte ----------------------------------------

def _signxml_sign(unsigned, key, certs, method):
    from issuer.signing.xmldsig import _insert_placeholder
    from signxml.algorithms import SignatureConstructionMethod

    document = etree.fromstring(etree.tostring(unsigned))
    _insert_placeholder(document)
    return XMLSigner(method=SignatureConstructionMethod.enveloped, signature_algorithm=method,
                     digest_algorithm=DigestAlgorithm.SHA256,
                     c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
                     ).sign(document, key=key, cert=certs)


@pytest.mark.parametrize("kind", [None, ItineraryKind.INTERDISCIPLINARY])
@pytest.mark.parametrize("with_chain", [False, True])
def test_signed_bytes_equal_signxml_output(pki, signer, kind, with_chain):
    name, key, cert = signer
    chain = [pki.ca] if with_chain else []
    unsigned = build_credential_xml(itinerary_award(kind) if kind else individual_award(),
                                    **build_kwargs(**({"issuer_did": AISBL_DID} if kind else {})))
    ours = to_bytes(sign_xml(unsigned, private_key=key, certificate=cert, chain=chain))
    theirs = to_bytes(_signxml_sign(unsigned, key, [cert, *chain], SignatureMethod[ALGORITHMS_BY_KIND[name]]))
    if name == "p256":  # ECDSA signatures are randomised: everything else must match
        mask = re.compile(rb"<ds:SignatureValue>[^<]*</ds:SignatureValue>")
        ours, theirs = mask.sub(b"", ours), mask.sub(b"", theirs)
    assert ours == theirs


ALGORITHMS_BY_KIND = {"p256": "ECDSA_SHA256", "rsa2048": "RSA_SHA256"}


# --- individual certificates signed as canonical text (course templates) ---------------------------

@pytest.fixture(scope="module")
def signed_text(signer):
    _, key, cert = signer
    award = individual_award()
    unsigned = individual_c14n(award, **build_kwargs())
    assert unsigned is not None
    return unsigned, sign_c14n(unsigned, private_key=key, certificate=cert).encode("utf-8")


def _signed_info(root) -> bytes:
    return etree.tostring(_signature(root).find("ds:SignedInfo", NS), method="c14n", exclusive=True)


def test_signed_canonical_text_verifies_and_is_schema_valid(signer, signed_text):
    _, _, cert = signer
    unsigned, signed = signed_text
    assert signed.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<europassCredential ")
    validate_xsd(parse_xml(signed))
    verified = verify_xml(signed, trusted_certificates=[cert])
    assert verified.certificate == cert
    # the enveloped-signature transform gives back the text that was signed
    root = parse_xml(signed)
    proof = _signature(root).getparent()
    proof.remove(_signature(root))
    assert etree.tostring(root, method="c14n", exclusive=True) == unsigned.encode("utf-8")


def test_text_and_tree_sign_the_same_signed_info(signer, signed_text):
    _, key, cert = signer
    unsigned, signed = signed_text
    by_tree = sign_xml(parse_xml(unsigned.encode("utf-8")), private_key=key, certificate=cert)
    assert _signed_info(parse_xml(signed)) == _signed_info(by_tree)


@pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 not installed")
def test_xmlsec1_verifies_signed_canonical_text_and_rejects_a_changed_grade(tmp_path, pki, signer, signed_text):
    _, _, cert = signer
    _, signed = signed_text
    ok = _xmlsec1(tmp_path, signed, pem(pki.ca))
    assert ok.returncode == 0, ok.stderr
    tampered = signed.replace(b"<grade>8.5</grade>", b"<grade>9.5</grade>")
    assert tampered != signed
    assert _xmlsec1(tmp_path, tampered, pem(pki.ca)).returncode != 0
    with pytest.raises(InvalidProof):
        verify_xml(tampered, trusted_certificates=[cert])


@pytest.mark.parametrize("text", ["<europassCredential></europassCredential>",
                                  "<europassCredential><proof></proof><x/></europassCredential>",
                                  "<europassCredential><proof>x</proof></europassCredential>"])
def test_sign_c14n_needs_the_empty_proof_at_the_end(signer, text):
    _, key, cert = signer
    with pytest.raises(InvalidXml, match="empty proof"):
        sign_c14n(text, private_key=key, certificate=cert)
