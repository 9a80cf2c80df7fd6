"""What the ``*-rdfc-*`` Data Integrity cryptosuites share: proof options, hashing, proof checks.

A cryptosuite subclass names itself (``cryptosuite``), the signer algorithms it accepts, the hash
for a given key, and how to check a signature. The steps follow the specifications' "Add Proof"
and "Verify Proof" algorithms (vc-di-eddsa §3.2, vc-di-ecdsa §3.2, RDFC variants):

    proofConfig = proof options (no proofValue) with the document's @context
    hashData    = H(canon(proofConfig)) || H(canon(document without proof))
"""
from __future__ import annotations

import copy
import hashlib
import logging
import re
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature

from issuer.credentials.contexts import DATA_INTEGRITY_V2
from issuer.errors import InvalidDocument, InvalidProof, IssuerError, KeyMaterialError
from issuer.signing import multibase
from issuer.signing.base import Signer, SigningAlgorithm
from issuer.signing.canonical import canonicalize_utf8
from issuer.signing.multibase import PublicKey

log = logging.getLogger(__name__)

PROOF_TYPE = "DataIntegrityProof"
# XML Schema dateTime with a time zone (proofs we write use UTC with a "Z", seconds precision)
_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_REQUIRED = ("type", "cryptosuite", "verificationMethod", "proofPurpose", "proofValue")


def format_created(created: datetime) -> str:
    """``created`` as an XSD dateTime in UTC with seconds precision, e.g. ``2025-01-31T09:00:00Z``.

    :raise ValueError: a naive datetime (the time zone must be explicit).
    """
    if created.tzinfo is None or created.utcoffset() is None:
        raise ValueError("created must be timezone-aware")
    return created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _copy_json(value):
    """A deep copy of JSON data (dicts, lists, scalars), several times faster than deepcopy."""
    kind = type(value)
    if kind is dict:
        return {key: item if type(item) is str else _copy_json(item) for key, item in value.items()}
    if kind is list:
        return [item if type(item) is str else _copy_json(item) for item in value]
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)


_MAX_KEPT_OPTIONS, _MAX_OPTIONS_CHARS = 64, 2048
_kept_options: dict[tuple, bytes] = {}


def _proof_canonical(config: dict, hash_name: str) -> bytes:
    """``canonicalize_utf8(config)``, kept for proof options of short texts (a pure function of
    the options and the bundled contexts: a later call with equal options gets the same bytes)."""
    context = config.get("@context")
    context = tuple(context) if type(context) is list else context
    items = tuple(sorted((k, v) for k, v in config.items() if k != "@context"))
    texts = [v for _, v in items] + list(context if type(context) is tuple else (context,))
    if not all(type(v) is str for v in texts) or sum(map(len, texts)) > _MAX_OPTIONS_CHARS:
        return canonicalize_utf8(config, hash_name=hash_name)
    key = (hash_name, type(config.get("@context")).__name__, context, items)
    found = _kept_options.get(key)
    if found is None:
        found = canonicalize_utf8(config, hash_name=hash_name)
        if len(_kept_options) >= _MAX_KEPT_OPTIONS:
            _kept_options.clear()
        _kept_options[key] = found
    return found


def _is_datetime(value) -> bool:
    if not isinstance(value, str) or not _DATETIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:  # out-of-range fields, or a year fromisoformat cannot represent
        return False
    return True


class RdfcSuite:
    """Base class of the RDFC-1.0 cryptosuites; subclasses fill in the key-specific parts."""

    cryptosuite: str = ""
    algorithms: frozenset[SigningAlgorithm] = frozenset()

    # -- key-specific parts ------------------------------------------------------------------
    def _hash_name(self, algorithm: SigningAlgorithm) -> str:
        return "sha256"

    def _algorithm_of(self, public_key: PublicKey) -> SigningAlgorithm:
        """The signing algorithm ``public_key`` is for. :raise InvalidProof: a foreign key type."""
        raise NotImplementedError

    def _verify_signature(self, public_key: PublicKey, signature: bytes, data: bytes) -> None:
        """:raise InvalidSignature: the signature does not hold."""
        raise NotImplementedError

    # -- the shared algorithm ------------------------------------------------------------------
    def add_proof(self, doc: dict, *, signer: Signer, created: datetime,
                  proof_purpose: str = "assertionMethod", copy_values: bool = True) -> dict:
        """A copy of ``doc`` with a ``DataIntegrityProof`` made by ``signer``.

        ``copy_values=False`` returns a new top-level object that shares ``doc``'s values (for a
        caller that serializes the result and drops ``doc``: a deep copy is a fifth of the time).

        :raise KeyMaterialError: the signer's algorithm is not one this cryptosuite uses.
        :raise InvalidDocument: ``doc`` already has a proof, or cannot be canonicalized safely
            (see ``canonical.canonicalize``); the proof terms must be defined by its contexts.
        :raise UnknownContext: a context outside the bundled set.
        """
        proof = self._options(signer, created, proof_purpose)
        if not isinstance(doc, dict) or "proof" in doc:
            raise InvalidDocument("the document must be a JSON object without a proof")
        data = self.hash_data(doc, proof, self._hash_name(signer.algorithm))
        proof["proofValue"] = multibase.encode(signer.sign(data))
        return {**(_copy_json(doc) if copy_values else doc), "proof": proof}

    def proof_for_canonical(self, canonical_document: bytes, context, *, signer: Signer, created: datetime,
                            proof_purpose: str = "assertionMethod") -> dict:
        """The proof ``add_proof`` adds to a document whose ``@context`` is ``context`` and whose
        canonical N-Quads (SHA-256 labels, UTF-8) are ``canonical_document``: for a caller that
        made those bytes itself (``credentials.jsonld_text``) and answers for them.

        :raise KeyMaterialError: as ``add_proof``; the cryptosuite must hash with SHA-256.
        """
        proof = self._options(signer, created, proof_purpose)
        hash_name = self._hash_name(signer.algorithm)
        if hash_name != "sha256":
            raise KeyMaterialError(f"canonical bytes are given for SHA-256 labels, not {hash_name}")
        data = self.hash_data({"@context": context}, proof, hash_name, canonical_document=canonical_document)
        proof["proofValue"] = multibase.encode(signer.sign(data))
        return proof

    def _options(self, signer: Signer, created: datetime, proof_purpose: str) -> dict:
        if signer.algorithm not in self.algorithms:
            raise KeyMaterialError(f"{self.cryptosuite} cannot use a {signer.algorithm} signer")
        if not isinstance(signer.key_id, str) or ":" not in signer.key_id:
            raise KeyMaterialError("the signer's key_id must be a verification method URL")
        return {"type": PROOF_TYPE, "cryptosuite": self.cryptosuite, "created": format_created(created),
                "verificationMethod": signer.key_id, "proofPurpose": proof_purpose}

    def hash_data(self, unsecured: dict, proof_options: dict, hash_name: str, *,
                  canonical_document: str | bytes | None = None) -> bytes:
        """``H(canon(proofConfig)) || H(canon(unsecured))``; proofConfig takes the document's
        ``@context``. Signing and verification both canonicalize with ``canonicalize_utf8``, whose
        fast walk takes untrusted input too; the proof configuration's canonical form is kept for
        the next proof with the same options (a batch of certificates signed at one time).
        ``canonical_document``: ``canonicalize(unsecured)`` (SHA-256 labels) when the caller has
        it already; it is used only with ``hash_name`` "sha256".

        :raise InvalidDocument, UnknownContext: either document cannot be canonicalized safely.
        """
        config = dict(proof_options)
        config.pop("proofValue", None)
        config["@context"] = unsecured.get("@context")
        if canonical_document is not None and hash_name == "sha256":
            doc_canon = (canonical_document if isinstance(canonical_document, bytes)
                         else canonical_document.encode("utf-8"))
        else:
            doc_canon = canonicalize_utf8(unsecured, hash_name=hash_name)  # the document's errors first
        try:
            proof_canon = _proof_canonical(config, hash_name)
        except InvalidDocument as exc:
            hint = f" (is {DATA_INTEGRITY_V2} missing?)" if "term" in exc.extra else ""
            raise InvalidDocument(f"the proof options cannot be canonicalized with the document's "
                                  f"contexts{hint}: {exc.detail}", **exc.extra) from exc
        proof_hash = hashlib.new(hash_name, proof_canon).digest()
        doc_hash = hashlib.new(hash_name, doc_canon).digest()
        return proof_hash + doc_hash

    def verify(self, doc: dict, *, public_key: PublicKey,
               proof_purpose: str = "assertionMethod", canonical_document: str | None = None) -> dict:
        """Check the document's single proof against ``public_key``; return that proof (a copy).

        The caller resolves ``proof["verificationMethod"]`` to ``public_key`` and decides whether
        that key may sign for the issuer at ``proof["created"]``. ``canonical_document`` spares a
        second canonicalization when the caller has just made ``canonicalize`` of ``doc`` without
        its proof (it is the caller's word: pass only that exact result).

        :raise InvalidProof: no proof or a proof set; a missing or wrong field (type, cryptosuite,
            proofPurpose, created); a key of the wrong type; a document or proof that cannot be
            canonicalized safely (``code`` is then that error's code, e.g. ``UNKNOWN_CONTEXT``);
            a signature that does not hold.
        """
        if not isinstance(doc, dict) or not isinstance(doc.get("proof"), dict):
            raise InvalidProof("the document has no proof (or a proof set, not supported)")
        proof = doc["proof"]
        self._check_proof_fields(proof, proof_purpose)
        algorithm = self._algorithm_of(public_key)
        unsecured = {key: value for key, value in doc.items() if key != "proof"}
        if "@context" in proof:
            unsecured["@context"] = self._proof_context(doc, proof["@context"])
        try:
            signature = multibase.decode(proof["proofValue"])
            data = self.hash_data(unsecured, proof, self._hash_name(algorithm),
                                  canonical_document=None if "@context" in proof else canonical_document)
        except ValueError:
            raise InvalidProof("proofValue is not multibase base58btc") from None
        except IssuerError as exc:
            raise InvalidProof(f"the secured document cannot be canonicalized: {exc.detail}",
                               code=exc.code) from exc
        try:
            self._verify_signature(public_key, signature, data)
        except InvalidSignature:
            log.info("signature check failed for %s", proof["verificationMethod"])
            raise InvalidProof("the signature does not match the document") from None
        return copy.deepcopy(proof)

    def _check_proof_fields(self, proof: dict, proof_purpose: str) -> None:
        for field in _REQUIRED:
            if not isinstance(proof.get(field), str) or not proof[field]:
                raise InvalidProof(f"the proof has no {field}")
        if proof["type"] != PROOF_TYPE:
            raise InvalidProof(f"proof type {proof['type']!r} is not {PROOF_TYPE}")
        if proof["cryptosuite"] != self.cryptosuite:
            raise InvalidProof(f"cryptosuite {proof['cryptosuite']!r} is not {self.cryptosuite}")
        if proof["proofPurpose"] != proof_purpose:
            raise InvalidProof(f"proof purpose {proof['proofPurpose']!r} is not {proof_purpose}")
        if not proof["proofValue"].startswith("z"):
            raise InvalidProof("proofValue is not multibase base58btc")
        created = proof.get("created")
        if created is not None and not _is_datetime(created):
            raise InvalidProof("proof created is not an XML Schema dateTime with a time zone")

    @staticmethod
    def _proof_context(doc: dict, proof_context) -> list:
        """A proof's own @context must be a prefix of the document's (spec "Verify Proof" step)."""
        def as_list(value):
            return value if isinstance(value, list) else [value]
        doc_context, own = as_list(doc.get("@context")), as_list(proof_context)
        if doc_context[:len(own)] != own:
            raise InvalidProof("the proof's @context does not start the document's @context")
        return proof_context
