"""Writing a test environment (`guoku env init`) and revoking in it (`guoku env revoke`).

Everything is derived from the seed: keys from SM3(seed, certID), certificate serials from
their content, signatures with the deterministic nonce, and all validity periods from a fixed
window, so the same seed gives byte-identical keys, certificates, seals and first CRL. Seals
exist in both versions (v4 for the 2.0 profile, v1 for 1.0) for every stamp type and party.
The allowed VtCodes and the stamp positions are copied from `evoucher.registry`.
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import x509

from evoucher import registry
from evoucher.crypto.sm2 import PrivateKey
from evoucher.pki.ca import CertificateAuthority
from evoucher.pki.environment import (
    FORMAT,
    MANIFEST,
    Environment,
    RevokedCert,
    load_environment,
    read_manifest,
)
from evoucher.pki.keys import derive_key, private_key_from_pem, private_key_to_pem
from evoucher.pki.scenario import (
    DEPLOYED_CERT_IDS,
    DUTIES,
    PERSONAL_SEALS,
    SCENARIOS,
    UNIT_SEALS,
    PartySpec,
    cert_ids,
)
from evoucher.pki.x509 import Revocation, build_name, load_certificate, to_pem
from evoucher.registry.stamps import STAMP_TYPES
from evoucher.seal.create import make_seal
from evoucher.seal.model import PERSONAL_SEAL, UNIT_SEAL
from evoucher.seal.picture import PERSONAL_SEAL_MM, ROUND_SEAL_MM, personal_seal, round_seal

VALID_FROM = datetime(2025, 1, 1, tzinfo=UTC)
VALID_TO = datetime(2045, 1, 1, tzinfo=UTC)
# a logical address, the same in every directory so that certificates do not depend on where
# the environment lives; the CRLs themselves are the files listed under "ca" in the manifest
CRL_URI = "http://crl.guoku.invalid/root.crl"
SEAL_TYPES = UNIT_SEALS + tuple(PERSONAL_SEALS)
SEAL_VERSIONS = (4, 1)
OWNED = (MANIFEST, "ca", "certs", "keys", "seals", "pictures")

Progress = Callable[[str], None]


class EnvironmentExists(FileExistsError):
    """The target directory already holds files; pass force=True to replace an environment."""


class _Writer:
    """Files of one environment, written relative to its root."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, relative: str, data: bytes) -> str:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return relative

    def holder(
        self, ca: CertificateAuthority, seed: bytes, cert_id: str, name: str, duty: str, subject
    ) -> dict:
        key = derive_key(seed, cert_id)
        cert = ca.issue(subject, key.public_key)
        return {
            "cert_id": cert_id,
            "name": name,
            "duty": duty,
            "serial": f"{cert.serial_number:x}",
            "cert": self.write(f"certs/{cert_id}.pem", to_pem(cert)),
            "key": self.write(f"keys/{cert_id}.key.pem", private_key_to_pem(key)),
        }


def _prepare(root: Path, force: bool) -> None:
    if root.exists() and any(root.iterdir()):
        if not force:
            raise EnvironmentExists(f"{root} is not empty; use --force to replace the environment in it")
        for name in OWNED:  # only what an environment writes; other files are left alone
            target = root / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    root.mkdir(parents=True, exist_ok=True)


def _vt_codes(role: str) -> list[str]:
    return sorted(vt.vt_code for vt in registry.all_types() if vt.sender == role or role in vt.receivers)


def _positions() -> dict[str, list[dict[str, str]]]:
    return {
        vt.vt_code: [
            {
                "id": p.id,
                "name": p.name,
                "stamp_type": p.stamp_type,
                "kind": p.kind,
                "role": p.role.value,
                "on": p.on,
            }
            for p in vt.positions
        ]
        for vt in registry.all_types()
        if vt.positions
    }


def _seals(
    writer: _Writer, maker: tuple[PrivateKey, x509.Certificate], spec: PartySpec, holders: list[dict]
) -> list:
    by_duty = {h["duty"]: h for h in holders}
    org_id = holders[0]["cert_id"]
    seals = []
    for number, stamp_type in enumerate(SEAL_TYPES, start=1):
        holder = by_duty["org" if stamp_type in UNIT_SEALS else PERSONAL_SEALS[stamp_type]]
        purpose = STAMP_TYPES[stamp_type]
        if stamp_type in UNIT_SEALS:
            png, mm, kind, name = (
                round_seal(spec.name, purpose),
                ROUND_SEAL_MM,
                UNIT_SEAL,
                spec.name + purpose,
            )
        else:
            png, mm, kind, name = (
                personal_seal(holder["name"]),
                PERSONAL_SEAL_MM,
                PERSONAL_SEAL,
                holder["name"],
            )
        picture = writer.write(f"pictures/{org_id}/{stamp_type}.png", png)
        signer_cert = load_certificate((writer.root / holder["cert"]).read_bytes())
        for version in SEAL_VERSIONS:
            es_id = f"{spec.adm_div_code}{spec.org_type}{org_id[-2:]}{number:02d}{version}"
            der = make_seal(
                version=version,
                es_id=es_id,
                name=name,
                seal_type=kind,
                signer_certs=[signer_cert],
                picture=png,
                picture_mm=(mm, mm),
                maker_key=maker[0],
                maker_cert=maker[1],
                valid_start=VALID_FROM,
                valid_end=VALID_TO,
            )
            seals.append(
                {
                    "stamp_type": stamp_type,
                    "version": version,
                    "es_id": es_id,
                    "name": name,
                    "holder": holder["cert_id"],
                    "path": writer.write(f"seals/{org_id}/{stamp_type}.v{version}.der", der),
                    "picture": picture,
                }
            )
    return seals


def create_environment(
    root: str | Path,
    *,
    scenario: str = "small",
    seed: int | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> Environment:
    """Write an environment into `root` and return it loaded; a non-empty `root` needs `force`."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; one of {', '.join(sorted(SCENARIOS))}")
    root = Path(root)
    _prepare(root, force)
    seed = secrets.randbits(63) if seed is None else seed
    seed_bytes = str(seed).encode()
    say = progress or (lambda _message: None)
    writer = _Writer(root)

    say("root CA and seal maker")
    ca = CertificateAuthority.create_root(
        derive_key(seed_bytes, "root-ca"),
        subject=build_name(common_name="guoku 测试根CA (SM2)", organization="guoku 测试"),
        not_before=VALID_FROM,
        not_after=VALID_TO,
        crl_uri=CRL_URI,
    )
    maker_name = "guoku 电子印章制作中心"
    maker = writer.holder(
        ca,
        seed_bytes,
        "seal-maker",
        maker_name,
        "maker",
        build_name(common_name=maker_name, serial_number="seal-maker"),
    )
    maker_pair = (derive_key(seed_bytes, "seal-maker"), load_certificate((root / maker["cert"]).read_bytes()))

    specs = SCENARIOS[scenario]
    ids = cert_ids(specs)
    parties = []
    for i, spec in enumerate(specs, start=1):
        say(f"party {i}/{len(specs)}: {spec.name} ({ids[spec.handle]})")
        holders = []
        for duty, person in (("org", spec.name), ("jzy", spec.bookkeeper), ("fhy", spec.reviewer)):
            cert_id = ids[spec.handle] if duty == "org" else f"{ids[spec.handle]}-{duty}"
            subject = build_name(
                common_name=person if duty == "org" else f"{person}（{DUTIES[duty]}）",
                organization=spec.name,
                org_unit=spec.org_type,
                locality=spec.adm_div_code,
                serial_number=cert_id,
            )
            holders.append(writer.holder(ca, seed_bytes, cert_id, person, duty, subject))
        parties.append(
            {
                "handle": spec.handle,
                "name": spec.name,
                "role": spec.role,
                "org_type": spec.org_type,
                "adm_div_code": spec.adm_div_code,
                "holders": holders,
                "vt_codes": _vt_codes(spec.role),
                "seals": _seals(writer, maker_pair, spec, holders),
                "deployed_cert_ids": list(DEPLOYED_CERT_IDS.get(spec.org_type, ())),
            }
        )

    say("CRL and manifest")
    crl = writer.write("ca/crl-0001.pem", to_pem(ca.sign_crl(this_update=VALID_FROM)))
    manifest = {
        "format": FORMAT,
        "scenario": scenario,
        "seed": seed,
        "valid": {"from": VALID_FROM.isoformat(), "to": VALID_TO.isoformat()},
        "ca": {
            "cert": writer.write("ca/root.pem", to_pem(ca.cert)),
            "key": writer.write("ca/root.key.pem", private_key_to_pem(ca.key)),
            "crl_uri": CRL_URI,
            "crls": [crl],
        },
        "seal_maker": maker,
        "parties": parties,
        "revoked": [],
        "vt_codes_source": "evoucher.registry (sender and receiver roles of each VtCode)",
        "positions": _positions(),
    }
    _write_manifest(root, manifest)
    return load_environment(root)


def _write_manifest(root: Path, manifest: dict) -> None:
    tmp = root / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(root / MANIFEST)


def revoke(
    root: str | Path, who: str, *, reason: str = "unspecified", at: datetime | None = None
) -> RevokedCert:
    """Revoke a certificate and publish the next CRL; `who` is a certID, or a party (its org cert).

    `reason` is an RFC 5280 reason, camelCase (`keyCompromise`) or snake_case.
    """
    root = Path(root)
    env = load_environment(root)
    try:
        holder = env.holder(who)
    except KeyError:
        holder = env.party(who).org
    cert_id = holder.cert_id
    manifest = read_manifest(root)
    ca = CertificateAuthority(
        private_key_from_pem((root / manifest["ca"]["key"]).read_bytes()),
        env.ca_cert,
        crl_uri=manifest["ca"]["crl_uri"],
        revocations=[Revocation(r.serial, r.at, r.reason) for r in env.revoked],
        crl_number=len(manifest["ca"]["crls"]),
    )
    when = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    try:
        revocation = ca.revoke(holder.serial, at=when, reason=reason)
    except ValueError as exc:
        raise ValueError(f"{cert_id}: {exc}") from None
    signed = ca.sign_crl(this_update=when)
    path = f"ca/crl-{ca.crl_number:04d}.pem"
    (root / path).write_bytes(to_pem(signed))
    manifest["ca"]["crls"].append(path)
    record = RevokedCert(holder.serial, cert_id, revocation.reason, when)
    manifest["revoked"].append(
        {
            "serial": f"{holder.serial:x}",
            "cert_id": cert_id,
            "reason": revocation.reason,
            "at": when.isoformat(),
        }
    )
    _write_manifest(root, manifest)
    return record
