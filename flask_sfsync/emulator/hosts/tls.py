"""The local org's certificates: a CA of its own and a server certificate for loopback.

simple-salesforce builds every URL as ``https://``, so the instance host must speak TLS.
:mod:`trustme` makes the CA and the certificates (EC P-256 keys keep handshakes cheap). The org
makes its CA once and keeps it (``ca.pem``, ``ca-key.pem``) next to ``--data``, so a host's
``SFSYNC_CA_BUNDLE`` stays valid across restarts: a later start rebuilds the same CA from those
files (``trustme.CA.from_pem``). The server certificate, for 127.0.0.1, ::1 and localhost (and
the bind address), is issued fresh on every start.
"""

from __future__ import annotations

import datetime
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key

__all__ = ["TlsFiles", "make_tls_files", "server_context"]

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_SERVER_CERT_DAYS = 365
# A saved CA this close to its end is replaced (trustme's own CAs run until the year 3000).
_CA_MIN_DAYS_LEFT = 30


@dataclass(frozen=True)
class TlsFiles:
    ca_bundle: Path  # give this to requests as verify=
    cert_file: Path
    key_file: Path


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _write_private(path: Path, data: bytes) -> None:
    """Write a private key readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    path.chmod(0o600)  # the file may have existed with wider permissions


def _make_ca(directory: Path) -> trustme.CA:
    ca = trustme.CA(
        organization_name="flask-sfsync local org",
        organization_unit_name="flask-sfsync local org CA",
    )
    ca.cert_pem.write_to_path(directory / CA_FILE)
    _write_private(directory / CA_KEY_FILE, ca.private_key_pem.bytes())
    return ca


def _load_ca(directory: Path) -> trustme.CA | None:
    """The CA saved in ``directory``; None when there is none, it is unreadable or expiring."""
    try:
        cert_pem = (directory / CA_FILE).read_bytes()
        key_pem = (directory / CA_KEY_FILE).read_bytes()
        cert = x509.load_pem_x509_certificate(cert_pem)
        key = load_pem_private_key(key_pem, None)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None
    if cert.not_valid_after_utc < _now() + datetime.timedelta(days=_CA_MIN_DAYS_LEFT):
        return None
    return trustme.CA.from_pem(cert_pem, key_pem)


def _identities(host: str) -> list[str]:
    """The names the server certificate is valid for: loopback, and the address it binds."""
    names = list(_LOOPBACK_NAMES)
    if host and host not in names:
        names.append(host)
    return names


def make_tls_files(directory: Path, host: str = "127.0.0.1") -> TlsFiles:
    """Reuse the CA in ``directory`` (or make one) and issue a server certificate for ``host``."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = _load_ca(directory) or _make_ca(directory)
    leaf = ca.issue_cert(
        *_identities(host),
        common_name="localhost",
        organization_name="flask-sfsync local org",
        organization_unit_name="flask-sfsync local org instance",
        not_after=_now() + datetime.timedelta(days=_SERVER_CERT_DAYS),
    )
    leaf.cert_chain_pems[0].write_to_path(directory / CERT_FILE)
    _write_private(directory / KEY_FILE, leaf.private_key_pem.bytes())
    return TlsFiles(directory / CA_FILE, directory / CERT_FILE, directory / KEY_FILE)


def server_context(files: TlsFiles) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(files.cert_file), str(files.key_file))
    return context
