"""The certificate chain a server (or whatever answers for it) presented, decoded.

The chain is read from an unverified handshake, so that a chain which does
not verify (the TLS-inspection case) can still be shown. Python's ``ssl``
decodes certificates only after verification, so the DER bytes are read with
``cryptography`` (the ``probe`` extra); without it, only fingerprints are kept.
"""

from __future__ import annotations

import hashlib
import ssl
from typing import Any


def _der_chain(sock: ssl.SSLSocket) -> list[bytes]:
    getter = getattr(sock, "get_unverified_chain", None)  # Python 3.13+
    if getter is None:
        getter = getattr(getattr(sock, "_sslobj", None), "get_unverified_chain", None)  # 3.10-3.12
    if getter is not None:
        found = getter() or []
        return [c if isinstance(c, bytes) else c.public_bytes(ssl._ssl.ENCODING_DER)  # type: ignore[attr-defined]
                for c in found]
    leaf = sock.getpeercert(binary_form=True)
    return [leaf] if leaf else []


def _name(name: Any) -> str:
    from cryptography.x509.oid import NameOID

    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.ORGANIZATION_NAME):
        values = name.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return str(name.rfc4514_string())


def describe(der: bytes) -> dict[str, Any]:
    """Subject, issuer, validity, SANs and SHA-256 fingerprint of one DER certificate."""
    row: dict[str, Any] = {"sha256": hashlib.sha256(der).hexdigest()}
    try:
        from cryptography import x509
    except ImportError:
        row["error"] = "certificate details need cryptography: install diagbundle[probe]"
        return row
    cert = x509.load_der_x509_certificate(der)
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(v) for v in sans.get_values_for_type(x509.DNSName)]
        names += [str(v) for v in sans.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names = []
    row.update(subject=_name(cert.subject), issuer=_name(cert.issuer),
               not_before=cert.not_valid_before_utc.isoformat(),
               not_after=cert.not_valid_after_utc.isoformat(), sans=names,
               self_signed=cert.subject == cert.issuer)
    return row


def chain(sock: ssl.SSLSocket) -> list[dict[str, Any]]:
    return [describe(der) for der in _der_chain(sock)]


def issuer_name(rows: list[dict[str, Any]]) -> str | None:
    """Who signed the leaf: the name support needs ("Corp Inspection CA")."""
    return rows[0].get("issuer") if rows else None
