"""A real SMTP server in the test process (aiosmtpd), with STARTTLS on a certificate made for
the run: what the app hands over travels as it would in production, TLS included, and is read
back as the parsed messages (RECIPES, "Mail in tests").

`outbox` (tests/conftest.py) points every SMTP connection the app opens at this server, as DNS
would point the configured MAIL_SERVER at it; nothing else about sending is replaced.
"""

from __future__ import annotations

import email
import ipaddress
import socket
import ssl
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"


class Received(list):
    """The messages the server accepted, in order; `connections` the client ports they came
    over (one per SMTP connection)."""

    def __init__(self) -> None:
        super().__init__()
        self.connections: list[tuple[str, int]] = []
        self.refuse: set[str] = set()  # addresses the server answers 550 for

    def clear(self) -> None:
        super().clear()
        self.connections.clear()
        self.refuse.clear()


class _Handler:
    def __init__(self, received: Received) -> None:
        self.received = received

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.received.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if session.ssl is None:
            return "530 Must issue a STARTTLS command first"
        if session.peer not in self.received.connections:
            self.received.connections.append(session.peer)
        # As a mail program stores it: lines end in \n, not the wire's \r\n.
        content = envelope.content.replace(b"\r\n", b"\n")
        message = email.message_from_bytes(content, policy=policy.default)
        self.received.append(message)
        return "250 OK"


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "allin test SMTP")])
    today = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(today - timedelta(days=1))
        .not_valid_after(today + timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """Started once per test process; `received` is emptied for each test."""

    def __init__(self, folder: Path) -> None:
        self.cert_file, key_file = _certificate(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, key_file)
        self.received = Received()
        self.port = _free_port()
        self._controller = Controller(
            _Handler(self.received),
            hostname=HOST,
            port=self.port,
            tls_context=context,
            require_starttls=True,
        )
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
