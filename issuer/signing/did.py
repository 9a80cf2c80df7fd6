"""DID documents: ``did:web`` for institutions (current and retired keys), ``did:key`` as an option.

Verification methods are ``Multikey`` with ``publicKeyMultibase``; documents use only terms of
the bundled DID v1 and Multikey v1 contexts. Retired keys stay listed under ``assertionMethod``
(retired is not compromised), so credentials signed before a rotation keep verifying.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote, urlsplit

from issuer.credentials.contexts import DID_V1, MULTIKEY_V1
from issuer.errors import ConfigurationError, InvalidProof, KeyMaterialError
from issuer.signing.keys import KeyRecord
from issuer.signing.multibase import PublicKey, public_key_from_multikey, public_key_to_multikey

DID_KEY_PREFIX = "did:key:"


@lru_cache(maxsize=256)  # every certificate names its issuer's DID
def did_web(public_url: str, code: str) -> str:
    """``did:web:<host>[%3A<port>][:<path>...]:institutions:<code>`` for the service at
    ``public_url`` (e.g. ``http://127.0.0.1:5000`` -> ``did:web:127.0.0.1%3A5000:institutions:KU``).

    :raise ConfigurationError: ``public_url`` is not an absolute http(s) URL with a host.
    """
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment:
        raise ConfigurationError(f"public URL {public_url!r} cannot name a did:web identifier")
    host = quote(parts.hostname, safe=".-")
    if parts.port is not None:
        host += f"%3A{parts.port}"
    path = [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return ":".join(["did:web", host, *path, "institutions", quote(code, safe="")])


def did_key(public_key: PublicKey) -> str:
    """The ``did:key`` of an Ed25519 (``did:key:z6Mk...``) or P-256 (``did:key:zDn...``) key."""
    return DID_KEY_PREFIX + public_key_to_multikey(public_key)


def verification_method_id(did: str, record: KeyRecord) -> str:
    """``<did>#<key id>`` for did:web; ``did:key:<mb>#<mb>`` for did:key.

    :raise KeyMaterialError: a did:key that is not the key of ``record``.
    """
    if did.startswith(DID_KEY_PREFIX):
        multikey = did[len(DID_KEY_PREFIX):]
        if multikey != record.public_key_multibase:
            raise KeyMaterialError(f"{did} is not the did:key of key {record.key_id}")
        return f"{did}#{multikey}"
    return f"{did}#{record.key_id}"


def build_did_document(did: str, keys: Iterable[KeyRecord]) -> dict:
    """The DID document of an institution: every Data Integrity key, current and retired, as a
    Multikey verification method authorised for ``assertionMethod``. XML keys are not listed.
    """
    methods = [_multikey(did, f"{did}#{record.key_id}", record.public_key_multibase)
               for record in keys if record.public_key_multibase]
    return {"@context": [DID_V1, MULTIKEY_V1], "id": did, "verificationMethod": methods,
            "assertionMethod": [method["id"] for method in methods]}


def did_key_document(did: str) -> dict:
    """The DID document a ``did:key`` resolves to (one Multikey method, all relationships).

    :raise KeyMaterialError: not a did:key of a supported public key.
    """
    if not did.startswith(DID_KEY_PREFIX):
        raise KeyMaterialError(f"{did!r} is not a did:key")
    multikey = did[len(DID_KEY_PREFIX):].split("#")[0]
    public_key_from_multikey(multikey)  # refuse what we could not verify with
    did = DID_KEY_PREFIX + multikey
    method = _multikey(did, f"{did}#{multikey}", multikey)
    return {"@context": [DID_V1, MULTIKEY_V1], "id": did, "verificationMethod": [method],
            "authentication": [method["id"]], "assertionMethod": [method["id"]],
            "capabilityDelegation": [method["id"]], "capabilityInvocation": [method["id"]]}


def resolve_verification_method(did_document: dict, vm_id: str, *,
                                purpose: str = "assertionMethod") -> PublicKey:
    """The public key of verification method ``vm_id``, which ``did_document`` must control and
    authorise for ``purpose``.

    :raise InvalidProof: code ``UNKNOWN_VERIFICATION_METHOD`` (not in the document, not
        controlled by it, not a Multikey) or ``VERIFICATION_METHOD_NOT_AUTHORIZED`` (not listed
        under ``purpose``).
    """
    did = did_document.get("id")
    method = next((m for m in _methods(did_document)
                   if isinstance(m, dict) and m.get("id") == vm_id), None)
    if method is None or not vm_id.startswith(f"{did}#") or method.get("controller") != did \
            or method.get("type") != "Multikey":
        raise InvalidProof(f"verification method {vm_id!r} is not a key of {did!r}",
                           code="UNKNOWN_VERIFICATION_METHOD")
    listed = did_document.get(purpose) or []
    if not any(entry == vm_id or isinstance(entry, dict) and entry.get("id") == vm_id
               for entry in listed):
        raise InvalidProof(f"verification method {vm_id!r} is not authorised for {purpose}",
                           code="VERIFICATION_METHOD_NOT_AUTHORIZED")
    try:
        return public_key_from_multikey(method.get("publicKeyMultibase", ""))
    except KeyMaterialError as exc:
        raise InvalidProof(f"verification method {vm_id!r}: {exc.detail}",
                           code="UNKNOWN_VERIFICATION_METHOD") from None


def _multikey(controller: str, vm_id: str, multikey: str) -> dict:
    return {"id": vm_id, "type": "Multikey", "controller": controller,
            "publicKeyMultibase": multikey}


def _methods(did_document: dict):
    yield from did_document.get("verificationMethod") or []
    for relationship in ("assertionMethod", "authentication", "capabilityInvocation",
                         "capabilityDelegation", "keyAgreement"):
        yield from (m for m in did_document.get(relationship) or [] if isinstance(m, dict))
