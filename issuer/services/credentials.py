"""Reading issued credentials: the stored documents and their human-readable renderings."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.credentials.render import certificate_view, render_html, render_pdf
from issuer.errors import NotFound
from issuer.services.documents import award_from_json, issuer_of
from issuer.signing.did import build_did_document, did_web
from issuer.signing.keys import KeyPurpose, KeyRecord
from issuer.services.keystore import KeyStore, public_keys
from issuer.store.models import CredentialRow
from issuer.store.repositories import CatalogueRepository, utc


@dataclass(frozen=True)
class StoredCredential:
    id: str
    uri: str
    kind: str
    issuer: str
    jsonld: str
    xml: str
    award: dict
    issued_at: datetime
    revoked_at: datetime | None
    revocation_reason: str | None
    digest_sri: str


class CredentialService:
    def __init__(self, session: Session, *, public_url: str):
        self.session = session
        self.public_url = public_url

    def get(self, credential_id: str) -> StoredCredential:
        """:raise NotFound: unknown id."""
        row = self.session.get(CredentialRow, credential_id) if _plausible_id(credential_id) else None
        if row is None:
            raise NotFound(f"no credential {credential_id}")
        return _stored(row)

    def by_uri(self, uri: str) -> StoredCredential | None:
        row = self.session.scalar(select(CredentialRow).where(CredentialRow.uri == uri))
        return None if row is None else _stored(row)

    def verify_url(self, credential: StoredCredential) -> str:
        return f"{self.public_url}/credentials/{credential.id}/verify"

    def view(self, credential: StoredCredential):
        award = award_from_json(credential.kind, credential.award)
        institutions = CatalogueRepository(self.session).institutions()
        return certificate_view(award, credential_id=credential.uri, issued_at=credential.issued_at,
                                verify_url=self.verify_url(credential), issuer=issuer_of(award),
                                institutions=institutions)

    def html(self, credential: StoredCredential) -> str:
        return render_html(self.view(credential))

    def pdf(self, credential: StoredCredential) -> bytes:
        return render_pdf(self.view(credential))


def did_document(session: Session, keystore: KeyStore, code: str) -> dict:
    """The institution's DID document from the public keys in the database.

    :raise NotFound: unknown institution (or one without keys).
    """
    if code not in CatalogueRepository(session).institutions():
        raise NotFound(f"no institution {code}")
    records = [k for k in public_keys(session, code) if k.public_key_multibase]
    if not records:
        raise NotFound(f"no keys for institution {code}")
    return build_did_document(did_web(keystore.public_url, code), _as_key_records(records))


def _as_key_records(infos) -> list[KeyRecord]:
    return [KeyRecord(key_id=k.key_id, purpose=KeyPurpose(k.purpose), key_type=k.key_type, created=k.created,
                      retired=k.retired, file="", public_key_multibase=k.public_key_multibase) for k in infos]


def _plausible_id(value: str) -> bool:
    return 0 < len(value) <= 64 and all(c in "0123456789abcdef-" for c in value)


def _stored(row: CredentialRow) -> StoredCredential:
    return StoredCredential(row.id, row.uri, row.kind, row.issuer, row.jsonld, row.xml, row.award,
                            utc(row.issued_at), utc(row.revoked_at), row.revocation_reason, row.digest_sri)
