"""One narrow enveloped XML Signature profile for EDC XML credentials.

Profile (nothing else is produced or accepted):

- the ``ds:Signature`` is the only child of ``proof`` (the XSD's place for it), ``proof`` a child of
  the ``europassCredential`` root, and it is the document's only signature;
- one ``Reference`` with ``URI=""`` (the whole document; the root's ``cred:id`` is a URN, not an
  XML ID), transforms exactly enveloped-signature + exclusive c14n, digest SHA-256;
- ``SignedInfo`` canonicalized with exclusive c14n; ECDSA-SHA256 (P-256) or RSA-SHA256 (>= 2048 bits);
- ``KeyInfo`` holds only ``X509Data`` with the signing certificate first (then any chain).

Verifiable with ``xmlsec1 --verify --trusted-pem <ca.pem> --enabled-reference-uris empty <file>``
(or ``--pubkey-cert-pem <institution-cert.pem>`` instead of ``--trusted-pem``).
"""
from __future__ import annotations

import base64
import binascii
import copy
import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Callable, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLVerifier,
)
from signxml.algorithms import SignatureConstructionMethod
from signxml.exceptions import InvalidInput, SignXMLException
from signxml.util import strip_pem_header

from issuer.credentials.xml import CRED, EMPTY_PROOF, NSMAP, SNB, XML_DECLARATION, hardened_parser, parse_xml
from issuer.errors import InvalidProof, InvalidXml, KeyMaterialError

DS = "http://www.w3.org/2000/09/xmldsig#"
_NS = {"ds": DS, "snb": SNB}
EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
ALLOWED_SIGNATURE_METHODS = frozenset({SignatureMethod.ECDSA_SHA256, SignatureMethod.RSA_SHA256})
ALLOWED_DIGESTS = frozenset({DigestAlgorithm.SHA256})
EXPECTED_TRANSFORMS = (SignatureConstructionMethod.enveloped.value, EXC_C14N.value)
MIN_RSA_BITS = 2048

CertificateCheck = Callable[[x509.Certificate], bool]


@dataclass(frozen=True)
class VerifiedXml:
    """What a valid signature covers: the signed credential (signature removed) and who signed it."""

    root: etree._Element  # the signed europassCredential, as signxml returned it (and only that)
    certificate: x509.Certificate  # the signing certificate (first X509Certificate in KeyInfo)


def _q(name: str, ns: str = SNB) -> str:
    return f"{{{ns}}}{name}"


# --- signing -------------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def _signature_method(private_key, certificate: x509.Certificate) -> SignatureMethod:
    public = private_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    if public != certificate.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo):
        raise KeyMaterialError("the certificate does not match the private key")
    if isinstance(private_key, ec.EllipticCurvePrivateKey) and isinstance(private_key.curve, ec.SECP256R1):
        return SignatureMethod.ECDSA_SHA256
    if isinstance(private_key, rsa.RSAPrivateKey) and private_key.key_size >= MIN_RSA_BITS:
        return SignatureMethod.RSA_SHA256
    raise KeyMaterialError("XML signing needs a P-256 or an RSA (>= 2048 bits) key")


def _insert_placeholder(root: etree._Element) -> None:
    """Put ``<proof><ds:Signature Id="placeholder"/></proof>`` where the XSD wants ``proof``."""
    if root.tag != _q("europassCredential"):
        raise InvalidXml("only a europassCredential can be signed")
    if root.find(f".//{{{DS}}}Signature") is not None:
        raise InvalidXml("the credential is already signed")
    proof = root.find(_q("proof"))
    if proof is None:
        proof = etree.Element(_q("proof"))
        children = root.find(_q("childCredentials"))
        if children is not None:
            children.addprevious(proof)
        else:
            root.append(proof)
    if len(proof) or (proof.text or "").strip():
        raise InvalidXml("proof element is not empty")
    proof.text = None
    etree.SubElement(proof, _q("Signature", DS), Id="placeholder")


def sign_xml(
    root: etree._Element,
    *,
    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    in_place: bool = False,
) -> etree._Element:
    """Sign an unsigned ``europassCredential``; returns a new signed tree (``root`` is not changed),
    or ``root`` itself signed with ``in_place=True`` (a whole document the caller drops anyway).

    The ``ds:Signature`` goes inside ``proof`` (created before ``childCredentials`` if absent), so
    the signed document stays valid against genericschema_1.2.xsd.

    The signature is built here with lxml's exclusive c14n and ``cryptography``, element for
    element as signxml's ``XMLSigner`` builds this profile (enveloped, ``URI=""``, the two
    transforms, SHA-256, certificates in ``X509Data``), without its copies of the document: the
    same document gives the same ``SignedInfo`` bytes. Verification stays with signxml.

    :raise KeyMaterialError: unsupported key, or a certificate that does not match the key.
    :raise InvalidXml: not a europassCredential, or already signed.
    """
    method = _signature_method(private_key, certificate)
    # Work on a copy: the caller's unsigned tree stays unsigned. A whole document is copied as is;
    # an element inside one is re-parsed, so that it carries only the namespaces it declares.
    if root.getparent() is not None:
        document = etree.fromstring(etree.tostring(root))
    else:
        document = root if in_place else copy.deepcopy(root)
    _insert_placeholder(document)
    signature = next(document.iter(_q("Signature", DS)))
    proof = signature.getparent()
    proof.remove(signature)  # the enveloped-signature transform: digest the document without it
    digest = hashlib.sha256(etree.tostring(document, method="c14n", exclusive=True)).digest()
    _append_signature(proof, method, digest, private_key, certificate, chain)
    return document


def _append_signature(parent: etree._Element, method: SignatureMethod, digest: bytes, private_key,
                      certificate: x509.Certificate, chain: Sequence[x509.Certificate]) -> etree._Element:
    """Append to ``parent`` the ``ds:Signature`` of a document whose digest is ``digest``."""
    signature, signed_info = _unsigned_signature(parent, method, base64.b64encode(digest).decode("ascii"))
    value = _signature_value(private_key, etree.tostring(signed_info, method="c14n", exclusive=True))
    _finish_signature(signature, base64.b64encode(value).decode("ascii"), (certificate, *chain))
    return signature


def _unsigned_signature(parent: etree._Element, method: SignatureMethod,
                        digest_value: str) -> tuple[etree._Element, etree._Element]:
    """``ds:Signature`` under ``parent`` with its ``SignedInfo`` (returned too), nothing after it."""
    signature = etree.SubElement(parent, _q("Signature", DS))
    signed_info = etree.SubElement(signature, _q("SignedInfo", DS), nsmap={"ds": DS})
    etree.SubElement(signed_info, _q("CanonicalizationMethod", DS), Algorithm=EXC_C14N.value)
    etree.SubElement(signed_info, _q("SignatureMethod", DS), Algorithm=method.value)
    reference = etree.SubElement(signed_info, _q("Reference", DS), URI="")
    transforms = etree.SubElement(reference, _q("Transforms", DS))
    for algorithm in EXPECTED_TRANSFORMS:
        etree.SubElement(transforms, _q("Transform", DS), Algorithm=algorithm)
    etree.SubElement(reference, _q("DigestMethod", DS), Algorithm=DigestAlgorithm.SHA256.value)
    etree.SubElement(reference, _q("DigestValue", DS)).text = digest_value
    return signature, signed_info


def _finish_signature(signature: etree._Element, value: str, certificates: Sequence[x509.Certificate]) -> None:
    etree.SubElement(signature, _q("SignatureValue", DS)).text = value
    x509_data = etree.SubElement(etree.SubElement(signature, _q("KeyInfo", DS)), _q("X509Data", DS))
    for cert in certificates:
        etree.SubElement(x509_data, _q("X509Certificate", DS)).text = _certificate_text(cert)


_DIGEST_MARK, _VALUE_MARK = "DigestValueGoesHere", "SignatureValueGoesHere"  # no base64 text has them


@lru_cache(maxsize=64)
def _signature_texts(method: SignatureMethod, certificates: tuple[x509.Certificate, ...]
                     ) -> tuple[tuple[str, str], tuple[str, str, str]]:
    """The canonical ``SignedInfo`` (what is signed) cut at the digest value, and the canonical
    ``ds:Signature`` cut at the digest and signature values: the elements ``_append_signature``
    makes, for ``sign_c14n`` to fill in as text."""
    signature, signed_info = _unsigned_signature(etree.Element(_q("proof"), nsmap=NSMAP), method, _DIGEST_MARK)
    _finish_signature(signature, _VALUE_MARK, certificates)
    info_head, info_tail = etree.tostring(signed_info, method="c14n", exclusive=True).decode("utf-8").split(
        _DIGEST_MARK)
    head, rest = etree.tostring(signature, method="c14n", exclusive=True).decode("utf-8").split(_DIGEST_MARK)
    middle, tail = rest.split(_VALUE_MARK)
    return (info_head, info_tail), (head, middle, tail)


def sign_c14n(unsigned: str, *, private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
              certificate: x509.Certificate, chain: Sequence[x509.Certificate] = ()) -> str:
    """Sign a credential given as exclusive c14n text with an empty ``proof`` before the root's end
    (``xml.individual_c14n``); return the signed document, XML declaration first.

    The signature is the one ``sign_xml`` makes for that document (same digest, same
    ``SignedInfo``), its canonical text put into ``proof``: the document stays in canonical form,
    so the enveloped-signature transform and c14n give back ``unsigned``, whose digest was signed.
    The signature's elements are made once per key and certificates, as text cut at the values.

    :raise InvalidXml: ``unsigned`` does not end with the empty ``proof`` and the root's end.
    :raise KeyMaterialError: as ``sign_xml``.
    """
    head, proof, tail = unsigned.rpartition(EMPTY_PROOF)
    if not proof or tail != "</europassCredential>":
        raise InvalidXml("the unsigned text does not end with an empty proof element")
    method = _signature_method(private_key, certificate)
    (info_head, info_tail), (sig_head, sig_middle, sig_tail) = _signature_texts(method, (certificate, *chain))
    digest = base64.b64encode(hashlib.sha256(unsigned.encode("utf-8")).digest()).decode("ascii")
    value = _signature_value(private_key, f"{info_head}{digest}{info_tail}".encode("utf-8"))
    signature = f"{sig_head}{digest}{sig_middle}{base64.b64encode(value).decode('ascii')}{sig_tail}"
    return f"{XML_DECLARATION}{head}<proof>{signature}</proof>{tail}"


def _signature_value(private_key, signed_info: bytes) -> bytes:
    """ECDSA as XML Signature wants it (r || s, each the key size), or RSA PKCS#1 v1.5."""
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(private_key.sign(signed_info, ec.ECDSA(hashes.SHA256())))
        size = (private_key.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return private_key.sign(signed_info, padding.PKCS1v15(), hashes.SHA256())


@lru_cache(maxsize=64)
def _certificate_text(certificate: x509.Certificate) -> str:
    return strip_pem_header(certificate.public_bytes(Encoding.PEM))


# --- verification --------------------------------------------------------------------------------

def _only(nodes: list, what: str) -> etree._Element:
    if len(nodes) != 1:
        raise InvalidProof(f"expected exactly one {what}, found {len(nodes)}")
    return nodes[0]


def _check_profile(root: etree._Element) -> etree._Element:
    """Structural checks before any cryptography; returns the one ds:Signature."""
    if root.tag != _q("europassCredential"):
        raise InvalidXml("not a europassCredential document")
    signature = _only(list(root.iter(_q("Signature", DS))), "ds:Signature")
    parent = signature.getparent()
    if parent is None or parent.tag != _q("proof") or parent.getparent() is not root:
        raise InvalidProof("ds:Signature is not in the credential's proof element")
    if signature.find("ds:Object", _NS) is not None:
        raise InvalidProof("ds:Object is not allowed in the signature")
    signed_info = _only(signature.findall("ds:SignedInfo", _NS), "ds:SignedInfo")
    c14n = _only(signed_info.findall("ds:CanonicalizationMethod", _NS), "CanonicalizationMethod")
    if c14n.get("Algorithm") != EXC_C14N.value or len(c14n):
        raise InvalidProof(f"canonicalization {c14n.get('Algorithm')!r} not allowed")
    method = _only(signed_info.findall("ds:SignatureMethod", _NS), "SignatureMethod").get("Algorithm")
    if method not in {m.value for m in ALLOWED_SIGNATURE_METHODS}:
        raise InvalidProof(f"signature method {method!r} not allowed")
    reference = _only(signed_info.findall("ds:Reference", _NS), "ds:Reference")
    if reference.get("URI") != "":
        raise InvalidProof("the reference must cover the whole document (URI=\"\")")
    transforms = [t.get("Algorithm") for t in reference.findall("ds:Transforms/ds:Transform", _NS)]
    if tuple(transforms) != EXPECTED_TRANSFORMS or reference.find(".//ds:XPath", _NS) is not None:
        raise InvalidProof(f"transforms {transforms} not allowed")
    digest = _only(reference.findall("ds:DigestMethod", _NS), "DigestMethod").get("Algorithm")
    if digest not in {d.value for d in ALLOWED_DIGESTS}:
        raise InvalidProof(f"digest method {digest!r} not allowed")
    key_info = _only(signature.findall("ds:KeyInfo", _NS), "ds:KeyInfo")
    if [child.tag for child in key_info] != [_q("X509Data", DS)]:
        raise InvalidProof("KeyInfo must hold exactly one X509Data and nothing else")
    return signature


def _certificates(signature: etree._Element) -> list[x509.Certificate]:
    texts = [c.text or "" for c in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NS)]
    if not texts:
        raise InvalidProof("no X509Certificate in KeyInfo")
    try:
        return [x509.load_der_x509_certificate(_b64(text)) for text in texts]
    except ValueError:
        raise InvalidProof("unreadable X509Certificate in KeyInfo") from None


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except binascii.Error:
        raise ValueError("bad base64") from None


def _check_trust(
    certs: list[x509.Certificate],
    *,
    trusted_certificates: Sequence[x509.Certificate],
    ca_certificates: Sequence[x509.Certificate],
    accept_certificate: CertificateCheck | None,
    at: datetime | None,
) -> x509.Certificate:
    leaf = certs[0]
    public = leaf.public_key()
    if not (isinstance(public, ec.EllipticCurvePublicKey) and isinstance(public.curve, ec.SECP256R1)
            or isinstance(public, rsa.RSAPublicKey) and public.key_size >= MIN_RSA_BITS):
        raise InvalidProof("signing certificate key is neither P-256 nor RSA >= 2048 bits")
    trusted = list(trusted_certificates)
    if trusted and leaf in trusted:
        return leaf
    if accept_certificate is not None and accept_certificate(leaf):
        return leaf
    if ca_certificates:
        builder = x509.verification.PolicyBuilder().store(x509.verification.Store(list(ca_certificates)))
        builder = builder.extension_policies(
            ee_policy=x509.verification.ExtensionPolicy.permit_all().require_present(
                x509.KeyUsage, x509.verification.Criticality.AGNOSTIC, _digital_signature
            ),
            ca_policy=x509.verification.ExtensionPolicy.webpki_defaults_ca(),
        )
        if at is not None:
            builder = builder.time(at)
        try:
            builder.build_client_verifier().verify(leaf, certs[1:])
        except x509.verification.VerificationError as exc:
            raise InvalidProof(f"signing certificate does not chain to a trusted CA: {exc}") from None
        return leaf
    raise InvalidProof("signing certificate is not trusted")


def _digital_signature(policy, cert, key_usage) -> None:
    if key_usage is None or not key_usage.digital_signature:
        raise ValueError("certificate KeyUsage does not allow digitalSignature")


def verify_xml(
    data: bytes,
    *,
    trusted_certificates: Sequence[x509.Certificate] = (),
    ca_certificates: Sequence[x509.Certificate] = (),
    accept_certificate: CertificateCheck | None = None,
    at: datetime | None = None,
) -> VerifiedXml:
    """Verify a signed EDC XML credential and return ONLY what was signed, plus the signer.

    Trust: the KeyInfo certificate must be one of ``trusted_certificates`` (e.g. the issuing
    institution's, looked up by the caller), or accepted by ``accept_certificate``, or chain to one
    of ``ca_certificates``; an embedded certificate is never trusted by itself. Its validity
    period is checked at ``at`` (default: now).

    Read credential fields from ``VerifiedXml.root`` only, never from ``data``.

    :raise InvalidXml: malformed or hostile XML, or not a europassCredential.
    :raise InvalidProof: missing/extra/misplaced signature, a disallowed algorithm or transform,
        an untrusted certificate, a wrong signature or changed content.
    """
    if not (trusted_certificates or ca_certificates or accept_certificate):
        raise ValueError("verify_xml needs trusted_certificates, ca_certificates or accept_certificate")
    root = parse_xml(data)
    signature = _check_profile(root)
    certs = _certificates(signature)
    leaf = _check_trust(
        certs,
        trusted_certificates=trusted_certificates,
        ca_certificates=ca_certificates,
        accept_certificate=accept_certificate,
        at=at,
    )
    config = SignatureConfiguration(
        require_x509=True,
        location=f"./{_q('proof')}/",
        expect_references=1,
        signature_methods=ALLOWED_SIGNATURE_METHODS,
        digest_algorithms=ALLOWED_DIGESTS,
        verification_time=at,
    )
    try:
        result = XMLVerifier().verify(data, x509_cert=leaf, expect_config=config, parser=hardened_parser())
    except (SignXMLException, InvalidInput, etree.DocumentInvalid, etree.XMLSyntaxError) as exc:
        raise InvalidProof(f"XML signature invalid: {exc}") from None
    signed = result.signed_xml
    # URI="" signs the whole document: the signed element must be the credential root itself.
    if signed is None or signed.tag != root.tag or signed.get(_q("id", CRED)) != root.get(_q("id", CRED)):
        raise InvalidProof("the signed element is not the credential")
    if signed.find(f".//{{{DS}}}Signature") is not None:
        raise InvalidProof("the signed content contains a signature")
    return VerifiedXml(root=signed, certificate=leaf)

