"""Caller authentication for the SOAP interface over plain HTTP: a signed `CallerAuth` header.

The real library knows its caller from the TLS client certificate. On loopback HTTP we make
that real with a SOAP header (docs/wire.md, VL-WIRE-020..027)::

    <wa:CallerAuth xmlns:wa="urn:guoku:wsauth:1">
      <wa:CertID>…</wa:CertID>  <wa:Certificate>base64 DER</wa:Certificate>
      <wa:Created>2026-11-27T08:00:00Z</wa:Created>  <wa:Nonce>base64, 16 random bytes</wa:Nonce>
      <wa:Signature>base64 DER SM2-with-SM3</wa:Signature>
    </wa:CallerAuth>

The signature covers `signing_input`: the scheme tag, the service, CertID, Created, Nonce and
the SM3 of the Body's exclusive C14N (whitespace and prefix changes outside the Body cannot
break it, any change inside can). The server checks the signature, the freshness window and
nonce reuse; certificate chains and permissions are the service's, through `resolve_caller`.
"""

from __future__ import annotations

import base64
import functools
import heapq
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import pybase64
from asn1crypto import x509
from lxml import etree

from evoucher.crypto import sm2
from evoucher.crypto.sm3 import sm3
from evoucher.errors import EVS_PARAM, EVS_PERMISSION, EvoucherError
from evoucher.pki.x509 import certificate_public_key

NAMESPACE = "urn:guoku:wsauth:1"
SCHEME = "GUOKU-WSAUTH-1"
FIELDS = ("CertID", "Certificate", "Created", "Nonce", "Signature")
DEFAULT_WINDOW = 300.0  # seconds either side of the server clock
DEFAULT_MAX_NONCES = 100_000

ResolveCaller = Callable[..., Any]
"""`resolve_caller(cert_id, cert_der)`: the service's caller object, or raise (EVS112). When
authentication is off and the certID argument is taken on trust, it is called as
`resolve_caller(cert_id, None, adm_div_code)`: a deployed certID may name a party only within the
AdmDivCode of the request (the PBoC front end sends its org type `001`)."""


@dataclass(frozen=True)
class Caller:
    """Who is calling, as far as the SOAP layer knows; `cert_der` is None when auth is off."""

    cert_id: str
    cert_der: bytes | None = None


def caller_named_by_certificate(
    cert_id: str, cert_der: bytes | None, adm_div_code: str | None = None
) -> Caller:
    """Default `resolve_caller`: the certificate's subject serialNumber must be the CertID.

    That is how the test PKI names certIDs (evoucher.pki.x509.build_name). No chain, validity
    or permission check: the service plugs in its own resolver with the environment's CA.
    """
    if cert_der is not None:
        named = _named_cert_id(cert_der)
        if named != cert_id:
            raise _refuse(
                f"the certificate names certID {named!r} in its subject serialNumber, not {cert_id!r}"
            )
    return Caller(cert_id, cert_der)


@dataclass(frozen=True)
class AuthHeader:
    cert_id: str
    certificate: bytes
    created: str
    nonce: str
    signature: bytes

    @functools.cached_property
    def created_at(self) -> float:
        return _parse_time(self.created)


def _refuse(rule: str, code: str = EVS_PERMISSION) -> EvoucherError:
    return EvoucherError(f"CallerAuth header: {rule}", evs_code=code)


def _parse_time(text: str) -> float:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise _refuse(
            f"Created must be an ISO 8601 UTC time like 2026-11-27T08:00:00Z, got {text!r}", EVS_PARAM
        ) from None
    if at.tzinfo is None:
        raise _refuse(f"Created must carry a time zone (Z), got {text!r}", EVS_PARAM)
    return at.timestamp()


def canonical_body(body: etree._Element) -> bytes:
    """Exclusive XML C14N 1.0 (no comments) of the soap:Body element: what the digest is taken of."""
    return etree.tostring(body, method="c14n", exclusive=True, with_comments=False)


def signing_input(*, service: str, cert_id: str, created: str, nonce: str, body: etree._Element) -> bytes:
    """The bytes signed: one field a line, the last the hex SM3 of `canonical_body(body)`."""
    lines = (SCHEME, service, cert_id, created, nonce, sm3(canonical_body(body)).hex())
    return "\n".join(lines).encode("utf-8")


def build_header(
    *,
    service: str,
    cert_id: str,
    key: sm2.PrivateKey,
    cert_der: bytes,
    body: etree._Element,
    now: float | None = None,
    nonce: str | None = None,
) -> etree._Element:
    """A signed `wa:CallerAuth` element for `body` (already complete: signing freezes it)."""
    created = datetime.fromtimestamp(time.time() if now is None else now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    nonce = nonce or base64.b64encode(secrets.token_bytes(16)).decode("ascii")
    message = signing_input(service=service, cert_id=cert_id, created=created, nonce=nonce, body=body)
    values = (cert_id, _b64(cert_der), created, nonce, _b64(sm2.sign(key, message)))
    header = etree.Element(f"{{{NAMESPACE}}}CallerAuth", nsmap={"wa": NAMESPACE})
    for name, value in zip(FIELDS, values, strict=True):
        etree.SubElement(header, f"{{{NAMESPACE}}}{name}").text = value
    return header


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def read_header(soap_header: etree._Element | None) -> AuthHeader:
    """The CallerAuth fields of a soap:Header; missing header EVS112, malformed field EVS100."""
    found = None if soap_header is None else soap_header.find(f"{{{NAMESPACE}}}CallerAuth")
    if found is None:
        raise _refuse(f"missing: calls must carry {{{NAMESPACE}}}CallerAuth in soap:Header")
    text = {}
    for name in FIELDS:
        value = (found.findtext(f"{{{NAMESPACE}}}{name}") or "").strip()
        if not value:
            raise _refuse(f"{name} is missing or empty", EVS_PARAM)
        text[name] = value
    binary = {}
    for name in ("Certificate", "Signature"):
        try:  # binascii's strict mode, as base64.b64decode(validate=True), in SIMD
            binary[name] = pybase64.b64decode(text[name], validate=True)
        except ValueError:  # binascii.Error, or text that is not ASCII at all
            raise _refuse(f"{name} is not base64", EVS_PARAM) from None
    header = AuthHeader(
        text["CertID"], binary["Certificate"], text["Created"], text["Nonce"], binary["Signature"]
    )
    header.created_at  # noqa: B018 - refused here if Created is not a time (and read once)
    return header


@functools.lru_cache(maxsize=1024)
def _named_cert_id(cert_der: bytes) -> str | None:
    """The subject serialNumber of a DER certificate; remembered, as callers come back with every
    request (decoding the whole subject cost more than the rest of the check)."""
    return x509.Certificate.load(cert_der)["tbs_certificate"]["subject"].native.get("serial_number")


@functools.lru_cache(maxsize=1024)
def _public_key(cert_der: bytes) -> sm2.PublicKey:
    """The SM2 point in a DER certificate's SubjectPublicKeyInfo (EVS100 if there is none)."""
    try:
        return certificate_public_key(x509.Certificate.load(cert_der, strict=True))
    except (ValueError, TypeError, KeyError) as exc:
        raise _refuse(
            f"Certificate is not a DER X.509 certificate with an SM2 key ({exc})", EVS_PARAM
        ) from None


class NonceCache:
    """Nonces seen within the window, at most `max_entries`, keyed by (certID, nonce).

    When full, the entry with the oldest Created is forgotten and `floor` rises to its time;
    anything created at or before the floor is refused, so a forgotten nonce can never replay.
    """

    def __init__(self, max_entries: int = DEFAULT_MAX_NONCES) -> None:
        if max_entries < 1:
            raise ValueError(f"NonceCache: max_entries must be ≥ 1, got {max_entries}")
        self.max_entries = max_entries
        self.floor = float("-inf")
        self._heap: list[tuple[float, tuple[str, str]]] = []
        self._seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def remember(self, key: tuple[str, str], created: float, expire_before: float) -> str | None:
        """Record a nonce; returns why it is refused, or None when it is new."""
        with self._lock:
            while self._heap and self._heap[0][0] < expire_before:
                self._seen.discard(heapq.heappop(self._heap)[1])
            if created <= self.floor:
                return "Created is older than the oldest nonce the server still remembers"
            if key in self._seen:
                return "Nonce was already used (replayed request)"
            if len(self._seen) >= self.max_entries:
                oldest, forgotten = heapq.heappop(self._heap)
                self._seen.discard(forgotten)
                self.floor = max(self.floor, oldest)
            heapq.heappush(self._heap, (created, key))
            self._seen.add(key)
            return None


class NonceMemory(Protocol):
    """Where a Verifier records nonces: this process's NonceCache, or one several processes share."""

    def remember(self, key: tuple[str, str], created: float, expire_before: float) -> str | None: ...


class Verifier:
    """Checks CallerAuth headers: freshness, signature, then nonce reuse (in that order).

    `nonces` defaults to a NonceCache of `max_nonces` in this process.
    """

    def __init__(
        self,
        *,
        window: float = DEFAULT_WINDOW,
        max_nonces: int = DEFAULT_MAX_NONCES,
        clock: Callable[[], float] = time.time,
        nonces: NonceMemory | None = None,
    ) -> None:
        self.window = window
        self.clock = clock
        self.nonces = nonces if nonces is not None else NonceCache(max_nonces)

    def screen(self, soap_header: etree._Element | None) -> AuthHeader:
        """What can be checked of the header alone, before the Body is parsed: its fields,
        freshness and the certificate's key. `verify` still decides (signature, then nonce)."""
        auth = read_header(soap_header)
        skew = auth.created_at - self.clock()
        if abs(skew) > self.window:
            raise _refuse(
                f"Created {auth.created} is {abs(skew):.0f} s from server time (window {self.window:.0f} s)"
            )
        _public_key(auth.certificate)
        return auth

    def verify(
        self,
        soap_header: etree._Element | None,
        body: etree._Element,
        *,
        service: str,
        screened: AuthHeader | None = None,
    ) -> AuthHeader:
        """The whole check. `screened` is what `screen` returned for this request's header, if it
        was screened already (its freshness is then not judged twice)."""
        auth = screened if screened is not None else self.screen(soap_header)
        now = self.clock()
        message = signing_input(
            service=service, cert_id=auth.cert_id, created=auth.created, nonce=auth.nonce, body=body
        )
        if not sm2.verify(_public_key(auth.certificate), message, auth.signature):
            raise _refuse(f"Signature does not verify with the certificate of CertID {auth.cert_id!r}")
        why = self.nonces.remember((auth.cert_id, auth.nonce), auth.created_at, now - self.window)
        if why is not None:
            raise _refuse(why)
        return auth


def check_cert_id(auth: AuthHeader, cert_id_argument: str) -> None:
    """The certID argument must be the caller's own (EVS112: acting under another's certID)."""
    if cert_id_argument != auth.cert_id:
        raise _refuse(
            f"certID argument {cert_id_argument!r} is not the caller's CertID {auth.cert_id!r} "
            "(a caller may act only under its own certificate)"
        )
