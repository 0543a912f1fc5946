"""Who looks at the console: a login token signed with a party's SM2 key, then a session cookie.

`guoku env console-login DIR PARTY` signs a short-lived token with the key of the party's
organisation certificate (`make_token`); the console checks it against the certificate the
environment issued, as the SOAP interface checks a CallerAuth header (chain, validity, CRL), and
accepts each token once. `operator` is the library's owner: whoever holds the environment's CA
key, which signs the operator's token. A session is an HMAC-signed cookie with a secret that
lives as long as the app (a restart logs everyone out). No session, no data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from evoucher.crypto import sm2
from evoucher.errors import EvoucherError
from evoucher.pki import Environment, Party
from evoucher.pki.environment import read_manifest
from evoucher.pki.keys import private_key_from_pem
from evoucher.pki.x509 import certificate_public_key
from voucherlib.store import Org

OPERATOR = "operator"
SCHEME = "guoku-console-1"
TOKEN_SECONDS = 15 * 60  # how long a login token may wait before it is used
SESSION_SECONDS = 8 * 3600  # a working day
COOKIE = "guoku_console"


class LoginRefused(ValueError):
    """A token that does not log anyone in; the message says why."""


@dataclass(frozen=True)
class Viewer:
    """Who is logged in: the operator (sees everything) or one party (sees what its SOAP interface shows)."""

    who: str  # "operator" or the party's organisation certID
    party: Party | None

    @property
    def operator(self) -> bool:
        return self.party is None

    @property
    def org(self) -> Org | None:
        return None if self.party is None else Org(self.party.org_type, self.party.cert_id)

    @property
    def title(self) -> str:
        return "运维 operator" if self.party is None else f"{self.party.name} ({self.party.cert_id})"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signing_input(payload: str) -> bytes:
    return f"{SCHEME}.{payload}".encode()


def make_token(env: Environment, who: str, *, now: float | None = None) -> str:
    """A login token for party `who` (handle, name or certID) or `operator`, signed with its key."""
    if who == OPERATOR:
        cert_id, key = OPERATOR, ca_key(env.root)
    else:
        party = env.party(who)
        cert_id, key = party.cert_id, party.org.key
    at = int(now if now is not None else time.time())
    facts = {"who": cert_id, "at": at, "nonce": secrets.token_hex(16)}
    payload = _b64(json.dumps(facts, separators=(",", ":")).encode())
    return f"{SCHEME}.{payload}.{_b64(sm2.sign(key, _signing_input(payload)))}"


def ca_key(root: Path) -> sm2.PrivateKey:
    """The environment's CA key: holding it is what makes the library's owner."""
    return private_key_from_pem((root / read_manifest(root)["ca"]["key"]).read_bytes())


class Logins:
    """Checks login tokens (each used once) and issues and reads session cookies."""

    def __init__(self, resolve) -> None:
        """`resolve(cert_id)` returns the party of a certificate the library accepts now, or raises."""
        self._resolve = resolve
        self._secret = secrets.token_bytes(32)
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()

    def check_token(self, env: Environment, token: str, *, now: float | None = None) -> Viewer:
        now = time.time() if now is None else now
        try:
            scheme, payload, signature = token.strip().split(".")
            facts = json.loads(_unb64(payload))
            who, at, nonce = str(facts["who"]), int(facts["at"]), str(facts["nonce"])
            signature = _unb64(signature)
        except (ValueError, KeyError, TypeError, binascii.Error):
            why = "not a console login token (make one with `guoku env console-login DIR PARTY`)"
            raise LoginRefused(why) from None
        if scheme != SCHEME:
            raise LoginRefused(f"token scheme {scheme!r}, expected {SCHEME!r}")
        if not -60 <= now - at <= TOKEN_SECONDS:
            raise LoginRefused(f"token made at {datetime.fromtimestamp(at, UTC):%H:%M:%S} UTC has expired")
        if who == OPERATOR:
            party, cert = None, env.ca_cert
        else:
            try:
                party = self._resolve(who)
            except (EvoucherError, KeyError) as exc:
                raise LoginRefused(f"certID {who}: {getattr(exc, 'message', exc)}") from None
            cert = env.holder(party.cert_id).cert
        if not sm2.verify(certificate_public_key(cert), _signing_input(payload), signature):
            raise LoginRefused(f"the token's signature is not made with the key of {who}'s certificate")
        with self._lock:
            self._used = {n: t for n, t in self._used.items() if t > now}
            if nonce in self._used:
                raise LoginRefused("this token was used already; make a new one")
            self._used[nonce] = at + TOKEN_SECONDS + 60
        return Viewer(who, party)

    def cookie(self, viewer: Viewer, *, now: float | None = None) -> str:
        expires = int((time.time() if now is None else now) + SESSION_SECONDS)
        payload = _b64(json.dumps({"who": viewer.who, "exp": expires}).encode())
        return f"{payload}.{self._mac(payload)}"

    def who(self, cookie: str | None, *, now: float | None = None) -> str | None:
        """Who a session cookie names (a certID or `operator`); None when missing, forged or expired.

        Whether that party is still accepted (not revoked since) is for the page to ask."""
        if not cookie or cookie.count(".") != 1:
            return None
        payload, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        facts = json.loads(_unb64(payload))
        return None if facts["exp"] < (time.time() if now is None else now) else str(facts["who"])

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode(), hashlib.sha256).digest())
