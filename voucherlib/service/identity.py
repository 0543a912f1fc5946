"""Who is calling and what they may touch, decided from the environment (`guoku env init`).

A caller is a certificate holder of one party. With authentication on, its certificate must chain
to the environment's root CA, be valid now, not be revoked on the environment's CRLs, and name the
certID in its subject serialNumber; with authentication off the certID is looked up on trust. A
party acts within its own AdmDivCode, on the VtCodes its party sends or receives, through the
service of its org type (docs/library.md VL-LIB-001..006). Vouchers are addressed to one party:
the party of the destination org type in the voucher's AdmDivCode (VL-LIB-010).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

from evoucher import registry, wsauth
from evoucher.errors import EvoucherError, UnknownVoucherType
from evoucher.interface import ESTAMP, EVS_ADMDIV, ORG_TYPES, PBANK, SERVICES, is_bank_org_type
from evoucher.pki import Environment, Party
from evoucher.seal import certs, load_seal
from voucherlib.errors import ArgumentError
from voucherlib.service.errors import CallerRefused, NotPermitted, Unacceptable
from voucherlib.service.revocation import CrlWatch, Revocations
from voucherlib.store import Actor, Org, Queries, VoucherRef


@dataclass(frozen=True)
class Caller:
    """A resolved caller: the certID used, the party it belongs to, and the certificate shown."""

    cert_id: str
    party: Party
    cert_der: bytes | None = None  # None when authentication is off

    @property
    def org(self) -> Org:
        """The party as the store knows it: its org type, and its organisation certID as the id."""
        return party_org(self.party)

    @property
    def actor(self) -> Actor:
        return Actor(self.cert_id, self.org)

    def __str__(self) -> str:
        return f"certID {self.cert_id} ({self.party.name}, {self.party.role} {self.party.org_type})"


def party_org(party: Party) -> Org:
    return Org(party.org_type, party.cert_id)


class Identities:
    """Resolves certIDs and certificates against one environment (the router's `resolve_caller`).

    The chain and CRL checks (three SM2 verifications) are remembered per certificate and per
    reading of the CRLs: a CRL published while the library runs (`guoku env revoke`) is read by
    `revocations` and applies from then on.
    """

    def __init__(self, revocations: CrlWatch) -> None:
        self.revocations = revocations
        env = revocations.current().env
        self._anchors = [certs.load_certificate(der, "trust anchor") for der in env.trust_anchors]
        self._parties = {h.cert_id: p for p in env.parties for h in p.holders}
        self._trust = functools.lru_cache(maxsize=1024)(self._verdict)

    def _verdict(self, cert_der: bytes, cert_id: str, crls: Revocations) -> tuple[bool, str | None]:
        """(Is the certificate one the environment's CA issued?, why it may not call, or None)."""
        what = f"certificate of {cert_id}"
        try:
            cert = certs.load_certificate(cert_der, what)
            certs.find_anchor(cert, self._anchors, what=what)
        except EvoucherError as exc:
            return False, exc.message
        try:
            certs.check_revocation(cert, self._anchors, crls.crls, datetime.now(UTC), what=what)
        except EvoucherError as exc:
            return True, exc.message
        return True, None

    def resolve(self, cert_id: str, cert_der: bytes | None, adm_div_code: str | None = None) -> Caller:
        """The caller, or CallerRefused (EVS112) naming what is wrong with the certificate.

        Without a certificate (authentication off) a deployed certID (`001`) is read within
        `adm_div_code` as its party's organisation certID (VL-WIRE-027).
        """
        crls = self.revocations.current()
        if cert_id not in self._parties and cert_der is None and adm_div_code is not None:
            cert_id = self._deployed(crls.env, cert_id, adm_div_code)
        party = self._parties.get(cert_id)
        if party is None:
            raise CallerRefused(f"certID {cert_id!r} is not issued to any party of this library")
        der = cert_der if cert_der is not None else crls.env.holder(cert_id).cert.dump()
        try:
            if cert_der is not None:
                wsauth.caller_named_by_certificate(cert_id, cert_der)
        except EvoucherError as exc:
            raise CallerRefused(exc.message) from None
        ours, problem = self._trust(der, cert_id, crls)
        if problem is None:  # not remembered: the time moves on
            try:
                cert = certs.load_certificate(der, f"certificate of {cert_id}")
                certs.check_validity(cert, datetime.now(UTC), what=f"certificate of {cert_id}")
            except EvoucherError as exc:
                problem = exc.message
        caller = Caller(cert_id, party, cert_der)
        if problem is not None:
            raise CallerRefused(problem, caller=caller if ours else None)
        return caller

    @staticmethod
    def _deployed(env: Environment, cert_id: str, adm_div_code: str) -> str:
        found = env.deployed(cert_id, adm_div_code)
        if len(found) > 1:
            names = ", ".join(p.cert_id for p in found)
            raise CallerRefused(
                f"deployed certID {cert_id!r} names several parties in {adm_div_code}: {names}"
            )
        return found[0].cert_id if found else cert_id


def check_service(caller: Caller, service: str) -> None:
    """Finance calls AsspFinanceService, the PBoC AsspCBankService, banks AsspPBankService (VL-LIB-002)."""
    org_type = caller.party.org_type
    wanted = SERVICES[service].org_type
    if service == ESTAMP or org_type == wanted or (service == PBANK and is_bank_org_type(org_type)):
        return
    where = wanted or "a 3-digit bank type"
    raise NotPermitted(f"{caller} may not call {service}, which serves org type {where}")


def check_adm_div(env: Environment, caller: Caller, adm_div_code: str) -> None:
    """A party works in its own AdmDivCode; one no party has is EVS004 (VL-LIB-003)."""
    if not any(p.adm_div_code == adm_div_code for p in env.parties):
        raise NotPermitted(
            f"admDivCode {adm_div_code!r}: 获取行政区划失败, no party of this library has it",
            evs_code=EVS_ADMDIV,
        )
    if adm_div_code != caller.party.adm_div_code:
        raise NotPermitted(f"{caller} acts for AdmDivCode {caller.party.adm_div_code}, not {adm_div_code}")


def check_vt_code(env: Environment, caller: Caller, vt_code: str) -> registry.VoucherType:
    """The registry's type, if the caller's party sends or receives it (else EVS112, VL-LIB-004)."""
    try:
        vt = registry.get(vt_code)
    except UnknownVoucherType:
        raise ArgumentError(
            argument="vtCode", rule="a VtCode of the voucher-type registry", value=vt_code
        ) from None
    if vt.name_only:
        rule = "a voucher type whose fields are defined (this one is known by name only)"
        raise ArgumentError(argument="vtCode", rule=rule, value=vt_code)
    if vt_code not in env.allowed_vt_codes(caller.cert_id):
        raise NotPermitted(f"{caller} has no permission for VtCode {vt_code} ({vt.zh_name})")
    return vt


def check_org_type(argument: str, value: str) -> str:
    if not (value in ORG_TYPES or is_bank_org_type(value)):
        raise ArgumentError(
            argument=argument, rule="a 3-digit org type (001, 011, 999, a bank type)", value=value
        )
    return value


def recipient(env: Environment, vt: registry.VoucherType, adm_div_code: str, dec_org_type: str) -> Org:
    """The one party a voucher of `vt` in `adm_div_code` goes to at `dec_org_type` (VL-LIB-010)."""
    check_org_type("decOrgType", dec_org_type)
    found = env.find(org_type=dec_org_type, adm_div_code=adm_div_code)
    if len(found) != 1:
        what = "no party" if not found else f"{len(found)} parties"
        raise Unacceptable(f"decOrgType {dec_org_type}: {what} of that org type in AdmDivCode {adm_div_code}")
    route = {vt.sender, *vt.receivers} if vt.sender else set(vt.receivers)
    if found[0].role not in route:
        roles = ", ".join(sorted(str(r) for r in route))
        role = found[0].role
        raise Unacceptable(f"decOrgType {dec_org_type} {role} is not on the route of {vt.vt_code} ({roles})")
    return party_org(found[0])


def check_addressed(q: Queries, org: Org, refs: list[VoucherRef], *, owned_too: bool) -> None:
    """Refuse (EVS700) numbers that exist but were neither sent to `org` nor, with `owned_too`, its own.

    Numbers that do not exist at all are left to the store (EVS100, status -1).
    """
    for ref in refs:
        docs = [d for d in (q.voucher(ref.key(0)), q.voucher(ref.key(1))) if d is not None]
        mine = [d for d in docs if owned_too and d.owner == org]
        sent = [d for d in docs if any(org.receives(x.dest) for x in q.deliveries(d.key))]
        if docs and not mine and not sent:
            raise Unacceptable(
                f"VoucherNo: not addressed to org {org} (a party reads only its own)", voucher=ref
            )


@functools.lru_cache(maxsize=256)
def _seal_id(der: bytes) -> str:
    return load_seal(der).es_id


def check_stamp_id(caller: Caller, position: str, given: str) -> None:
    """The id in the stamp XML must name a seal (esID) or a certificate of the caller's party."""
    party = caller.party
    if given in {h.cert_id for h in party.holders} | {_seal_id(der) for der in party.seals.values()}:
        return
    raise NotPermitted(
        f"stamp XML: position {position} names {given!r}, not a seal or certID of {party.name}"
    )


__all__ = [
    "Caller",
    "Identities",
    "check_addressed",
    "check_adm_div",
    "check_org_type",
    "check_service",
    "check_stamp_id",
    "check_vt_code",
    "party_org",
    "recipient",
]
