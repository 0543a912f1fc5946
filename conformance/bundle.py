"""The signed certification bundle: a certificate of conformance cannot be edited after the run.

`MANIFEST.json` lists the SM3 of every file of the report directory; `MANIFEST.sig` is a detached
SM2-with-SM3 signature (DER, default signer ID) over the manifest's exact bytes, and `SIGNER.cer`
the testbed's certificate (self-signed, SM2). The testbed key is the certification authority's own,
not the environment's: the vendor configured its library with the environment, so it holds those
keys, but never this one. `verify_bundle` recomputes every digest, refuses a file added, removed or
changed, checks the signature, and, given the testbed certificate (`trusted`), that this key signed.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from evoucher.crypto import sm2
from evoucher.crypto.sm3 import sm3

MANIFEST, SIGNATURE, SIGNER = "MANIFEST.json", "MANIFEST.sig", "SIGNER.cer"
BUNDLE_FORMAT = "guoku-certification-bundle/1"


@dataclass(frozen=True)
class SigningKey:
    key: sm2.PrivateKey
    cert_der: bytes


def load_signing_key(home: Path) -> SigningKey:
    """The testbed's signing key in `home` (testbed.key.pem, testbed.cer), created on first use."""
    from evoucher.pki import (
        CertificateAuthority,
        build_name,
        load_certificate,
        private_key_from_pem,
        private_key_to_pem,
        to_pem,
    )

    key_path, cert_path = home / "testbed.key.pem", home / "testbed.cer"
    if key_path.is_file() and cert_path.is_file():
        return SigningKey(
            private_key_from_pem(key_path.read_bytes()), load_certificate(cert_path.read_bytes()).dump()
        )
    home.mkdir(parents=True, exist_ok=True)
    key = sm2.PrivateKey.generate()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ca = CertificateAuthority.create_root(
        key,
        subject=build_name(common_name="guoku certification testbed"),
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=3650),
    )
    key_path.touch(mode=0o600)
    key_path.write_bytes(private_key_to_pem(key))
    cert_path.write_bytes(to_pem(ca.cert))
    return SigningKey(key, ca.cert.dump())


def _digests(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): sm3(p.read_bytes()).hex()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name not in (MANIFEST, SIGNATURE, SIGNER)
    }


def sign_bundle(directory: Path, signer: SigningKey) -> Path:
    manifest = json.dumps(
        {"format": BUNDLE_FORMAT, "algorithm": "SM2-with-SM3", "files": _digests(directory)},
        indent=1,
        sort_keys=True,
    ).encode()
    (directory / MANIFEST).write_bytes(manifest)
    (directory / SIGNATURE).write_bytes(base64.b64encode(sm2.sign(signer.key, manifest)) + b"\n")
    (directory / SIGNER).write_bytes(signer.cert_der)
    return directory / MANIFEST


@dataclass(frozen=True)
class BundleVerdict:
    ok: bool
    problems: tuple[str, ...]
    files: int
    signer_sm3: str

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "problems": list(self.problems),
            "files": self.files,
            "signer_sm3": self.signer_sm3,
        }


def verify_bundle(directory: Path, *, trusted: bytes | None = None) -> BundleVerdict:
    """Every file unchanged, none added or removed, the manifest signed; `trusted`: the testbed cert (DER)."""
    from evoucher.pki import certificate_public_key, load_certificate

    problems: list[str] = []
    try:
        manifest_bytes = (directory / MANIFEST).read_bytes()
        signature = base64.b64decode((directory / SIGNATURE).read_bytes(), validate=False)
        cert_der = load_certificate((directory / SIGNER).read_bytes()).dump()
        listed = json.loads(manifest_bytes)["files"]
    except (OSError, ValueError, KeyError) as exc:
        return BundleVerdict(False, (f"not a signed bundle: {exc}",), 0, "")
    if not sm2.verify(certificate_public_key(cert_der), manifest_bytes, signature):
        problems.append(f"{SIGNATURE}: the signature over {MANIFEST} does not verify")
    if trusted is not None and trusted != cert_der:
        problems.append(f"{SIGNER}: signed by another key than the trusted testbed certificate")
    actual = _digests(directory)
    for name in sorted(set(listed) | set(actual)):
        if name not in actual:
            problems.append(f"{name}: listed in the manifest but missing")
        elif name not in listed:
            problems.append(f"{name}: not in the manifest (added after signing)")
        elif listed[name] != actual[name]:
            problems.append(
                f"{name}: changed after signing (SM3 {actual[name][:16]}…, signed {listed[name][:16]}…)"
            )
    return BundleVerdict(not problems, tuple(problems), len(listed), sm3(cert_der).hex())
