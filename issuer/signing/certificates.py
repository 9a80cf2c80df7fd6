"""X.509 for XML Signature: the development certificate authority and institution certificates."""
from __future__ import annotations

from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from issuer.errors import KeyMaterialError

CA_COMMON_NAME = "EU-CONEXUS credential issuer development CA"
CA_LIFETIME = timedelta(days=3653)
LEAF_LIFETIME = timedelta(days=1826)
# a little slack for clocks that run behind the issuing machine's
BACKDATE = timedelta(minutes=5)


def _key_usage(*, signing: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=signing, content_commitment=signing,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False)


def create_dev_ca(private_key: ec.EllipticCurvePrivateKey, *, now: datetime) -> x509.Certificate:
    """A self-signed CA certificate for development; institution certificates chain to it."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "EU-CONEXUS (development)")])
    public_key = private_key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE).not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signing=False, ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(private_key, hashes.SHA256())
    )


def issue_certificate(public_key, *, common_name: str, country: str,
                      ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate,
                      now: datetime) -> x509.Certificate:
    """An XML-signing certificate for an institution's key, issued by the (development) CA.

    :raise KeyMaterialError: ``country`` is not a two-letter ISO 3166 code.
    """
    if len(country) != 2 or not country.isalpha():
        raise KeyMaterialError(f"country must be a two-letter code, got {country!r}")
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, country.upper()),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name),
                         x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(ca_cert.subject).public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + LEAF_LIFETIME, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True, ca=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def certificate_attribute(certificate: x509.Certificate, oid) -> str:
    """The first value of ``oid`` in the certificate's subject ('' when absent)."""
    values = certificate.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def read_pkcs12(data: bytes, password: str | None, *, now: datetime):
    """The private key and certificates (leaf first) of a PKCS #12 file, checked for XML signing.

    :raise KeyMaterialError: wrong password or damaged file; no key or certificate; a key other
        than RSA >= 2048 bits or EC P-256/P-384; a certificate not for that key or not valid now.
    """
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            data, password.encode("utf-8") if password else None)
    except (ValueError, TypeError):
        raise KeyMaterialError("cannot read the PKCS #12 file: wrong password or damaged "
                               "file") from None
    if key is None or cert is None:
        raise KeyMaterialError("the PKCS #12 file must hold a private key and its certificate")
    if not (isinstance(key, rsa.RSAPrivateKey) and key.key_size >= 2048
            or isinstance(key, ec.EllipticCurvePrivateKey)
            and key.curve.name in ("secp256r1", "secp384r1")):
        raise KeyMaterialError("XML signing keys must be RSA (2048 bits or more), P-256 or P-384")
    if cert.public_key() != key.public_key():
        raise KeyMaterialError("the PKCS #12 certificate is not for its private key")
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise KeyMaterialError("the PKCS #12 certificate is not valid now")
    return key, (cert, *extra)
