"""A test environment read back from disk: parties, certificates, keys, seals, CRLs, positions.

`guoku env init` writes a directory with `environment.json` (the manifest: every file by
relative path, plus the facts) and PEM/DER files beside it; `load_environment(dir)` is how the
voucher library, the mocks and the CLI use it. A certID (`011-330100-01`, people `...-jzy`) is
the caller identity of the realware interface; it is the subject serialNumber of the
certificate it names, and each certID may use the VtCodes its party sends or receives.
A party may also be known by the certIDs its deployment's front ends send (`deployed_cert_ids`,
e.g. the PBoC's org type `001`): such a form names the party only within its AdmDivCode
(docs/wire.md VL-WIRE-027).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from asn1crypto import x509

from evoucher.crypto import sm2
from evoucher.pki.keys import private_key_from_pem
from evoucher.pki.scenario import DEPLOYED_CERT_IDS, holder_duty
from evoucher.pki.x509 import load_certificate, load_crl

if TYPE_CHECKING:  # the registry is imported when an environment is loaded: `seal.certs` imports
    from evoucher.registry import StampPosition  # this package, and seal checks need no registry

MANIFEST = "environment.json"
FORMAT = "guoku-environment/1"


@dataclass(frozen=True)
class Holder:
    """One certificate holder: a party's organisation certificate or one of its named people."""

    cert_id: str
    name: str
    duty: str  # "org", "jzy" (记账员), "fhy" (复核员), "maker" (制章者)
    key: sm2.PrivateKey
    cert: x509.Certificate

    @property
    def serial(self) -> int:
        return self.cert.serial_number


@dataclass(frozen=True)
class Party:
    """A party of the scenario with its holders, allowed VtCodes and seals (type, version) -> DER."""

    handle: str
    name: str
    role: str
    org_type: str
    adm_div_code: str
    org: Holder
    people: tuple[Holder, ...]
    vt_codes: frozenset[str]
    seals: Mapping[tuple[str, int], bytes]
    deployed_cert_ids: tuple[str, ...] = ()  # what its front ends send as certID, within adm_div_code

    @property
    def cert_id(self) -> str:
        return self.org.cert_id

    @property
    def holders(self) -> tuple[Holder, ...]:
        return (self.org, *self.people)

    def signer(self, stamp_type: str) -> Holder:
        """The holder who applies `stamp_type`: the organisation, or the bookkeeper or reviewer."""
        duty = holder_duty(stamp_type)
        return next(h for h in self.holders if h.duty == duty)

    def seal(self, stamp_type: str, version: int = 4) -> bytes:
        """DER of this party's seal of `stamp_type` (v4 for profile 2.0, v1 for 1.0)."""
        try:
            return self.seals[(stamp_type, version)]
        except KeyError:
            raise KeyError(f"{self.handle} has no v{version} seal of type {stamp_type!r}") from None


@dataclass(frozen=True)
class RevokedCert:
    serial: int
    cert_id: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class Environment:
    """Everything in one environment directory; lookups by certID, handle or org name."""

    root: Path
    scenario: str
    seed: int
    ca_cert: x509.Certificate
    maker: Holder
    parties: tuple[Party, ...]
    crls: tuple[bytes, ...]  # DER, oldest first: every CRL ever issued, so old stamps stay checkable
    revoked: tuple[RevokedCert, ...]
    positions: Mapping[str, tuple[StampPosition, ...]]

    @property
    def trust_anchors(self) -> tuple[bytes, ...]:
        """DER of the root CA certificate, as `seal.verify` takes it."""
        return (self.ca_cert.dump(),)

    def party(self, who: str) -> Party:
        """A party by handle (`hz-finance`), org name (`杭州市财政局`) or any of its certIDs."""
        for party in self.parties:
            if who in (party.handle, party.name) or any(h.cert_id == who for h in party.holders):
                return party
        raise KeyError(f"no party or certID {who!r} in environment {self.root}")

    def holder(self, cert_id: str) -> Holder:
        """The holder of `cert_id` (a party's, a person's or the seal maker's)."""
        holders = (self.maker, *(h for p in self.parties for h in p.holders))
        for holder in holders:
            if holder.cert_id == cert_id:
                return holder
        raise KeyError(f"no certID {cert_id!r} in environment {self.root}")

    def find(
        self, *, role: str | None = None, org_type: str | None = None, adm_div_code: str | None = None
    ) -> tuple[Party, ...]:
        """Parties matching every given fact (e.g. the finance bureau of 330100)."""
        return tuple(
            p
            for p in self.parties
            if (role is None or p.role == role)
            and (org_type is None or p.org_type == org_type)
            and (adm_div_code is None or p.adm_div_code == adm_div_code)
        )

    def allowed_vt_codes(self, cert_id: str) -> frozenset[str]:
        """VtCodes `cert_id` may use (the realware EVS112 check); empty for unknown certIDs."""
        try:
            return self.party(cert_id).vt_codes
        except KeyError:
            return frozenset()

    def deployed(self, cert_id: str, adm_div_code: str) -> tuple[Party, ...]:
        """Parties of `adm_div_code` whose deployment names them `cert_id` (e.g. `001`, the PBoC)."""
        return tuple(
            p for p in self.parties if p.adm_div_code == adm_div_code and cert_id in p.deployed_cert_ids
        )

    def revocation(self, cert_id: str) -> RevokedCert | None:
        return next((r for r in self.revoked if r.cert_id == cert_id), None)

    def positions_for(
        self, vt_code: str, voucher_flag: int, *, failed: bool = False
    ) -> tuple[StampPosition, ...]:
        """Positions a complete voucher (flag 0) or receipt (flag 1, `failed` for 退票) carries."""
        on = "voucher" if int(voucher_flag) == 0 else "failed_receipt" if failed else "receipt"
        return tuple(p for p in self.positions.get(vt_code, ()) if p.on == on)

    def position(self, vt_code: str, position_id: str) -> StampPosition:
        for p in self.positions.get(vt_code, ()):
            if p.id == position_id:
                return p
        raise KeyError(f"VtCode {vt_code} has no stamp position {position_id!r}")


def _holder(root: Path, entry: Mapping[str, str]) -> Holder:
    return Holder(
        cert_id=entry["cert_id"],
        name=entry["name"],
        duty=entry["duty"],
        key=private_key_from_pem((root / entry["key"]).read_bytes()),
        cert=load_certificate((root / entry["cert"]).read_bytes()),
    )


def read_manifest(root: Path) -> dict:
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(
            f"{root} is not a guoku environment (no {MANIFEST}); run `guoku env init {root}`"
        )
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path}: format {manifest.get('format')!r}, expected {FORMAT!r}")
    return manifest


def load_environment(root: str | Path) -> Environment:
    """Read an environment directory written by `guoku env init`."""
    from evoucher.registry import Role, StampPosition

    root = Path(root)
    manifest = read_manifest(root)
    parties = tuple(
        Party(
            handle=p["handle"],
            name=p["name"],
            role=p["role"],
            org_type=p["org_type"],
            adm_div_code=p["adm_div_code"],
            org=_holder(root, p["holders"][0]),
            people=tuple(_holder(root, h) for h in p["holders"][1:]),
            vt_codes=frozenset(p["vt_codes"]),
            seals={(s["stamp_type"], s["version"]): (root / s["path"]).read_bytes() for s in p["seals"]},
            deployed_cert_ids=tuple(p.get("deployed_cert_ids", DEPLOYED_CERT_IDS.get(p["org_type"], ()))),
        )
        for p in manifest["parties"]
    )
    return Environment(
        root=root,
        scenario=manifest["scenario"],
        seed=manifest["seed"],
        ca_cert=load_certificate((root / manifest["ca"]["cert"]).read_bytes()),
        maker=_holder(root, manifest["seal_maker"]),
        parties=parties,
        crls=tuple(load_crl((root / path).read_bytes()).dump() for path in manifest["ca"]["crls"]),
        revoked=tuple(
            RevokedCert(int(r["serial"], 16), r["cert_id"], r["reason"], datetime.fromisoformat(r["at"]))
            for r in manifest["revoked"]
        ),
        positions={
            vt: tuple(
                StampPosition(p["id"], p["name"], p["stamp_type"], Role(p["role"]), p["on"]) for p in ps
            )
            for vt, ps in manifest["positions"].items()
        },
    )
