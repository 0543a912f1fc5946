"""One document as the console shows it: the form, its stamps judged by `evoucher`, its life.

What a viewer sees follows the SOAP interface (VL-CON-002): the owner every version and every
delivery; a recipient the versions up to the one delivered to it, and only its own delivery; the
audit entries of its own operations. The operator sees everything. A document the viewer may not
see is reported exactly like one that does not exist, so a URL tells a stranger nothing.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from evoucher import registry
from evoucher.codec import Voucher, parse_voucher
from evoucher.errors import EvoucherError
from evoucher.pki import Environment
from evoucher.registry import Kind, StampPosition, VoucherType
from evoucher.seal import SealPolicy, load_signature
from evoucher.stamp import verify_body
from evoucher.verdict import SealReport
from voucherlib.audit import AuditEntry
from voucherlib.errors import VoucherNotFound
from voucherlib.lifecycle import STATUS_TEXT
from voucherlib.service.reading import as_body
from voucherlib.service.seals import failed_receipt
from voucherlib.store import Delivery, Org, Queries, Version, VoucherKey
from voucherlib.store import Voucher as Doc

PICTURE_MIME = {
    "PNG": "image/png",
    "JPG": "image/jpeg",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "BMP": "image/bmp",
}
MAX_AUDIT = 1000


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # the registry's Chinese name
    value: str  # amounts formatted with thousands separators
    amount: bool = False


@dataclass(frozen=True)
class StampView:
    """A position of the layout (or a stamp found elsewhere) with what sits there and its verdict."""

    position: str
    name: str
    kind: str  # stamp / sign
    cert_id: str = ""
    picture: str = ""  # data: URI of the seal's own picture
    report: SealReport | None = None

    @property
    def why(self) -> str:
        r = self.report
        if r is None:
            return "no stamp at this position"
        if r.passed:
            who = r.signer.subject.split("CN=")[-1].split(",")[0] if r.signer else ""
            when = f" at {r.signing_time:%Y-%m-%d %H:%M}" if r.signing_time else ""
            return f"{r.seal_name or ''} · {who}{when}".strip(" ·")
        return f"{r.sub_indication.value if r.sub_indication else ''}: {r.failure_msg or ''}"


@dataclass(frozen=True)
class DeliveryView:
    delivery: Delivery
    dest_name: str
    code: int

    @property
    def text(self) -> str:
        return STATUS_TEXT[self.code]


@dataclass(frozen=True)
class DocumentView:
    key: VoucherKey
    doc: Doc
    owner_name: str
    title: str
    version: Version
    versions: tuple[Version, ...]
    header: tuple[Field, ...]
    detail_columns: tuple[str, ...]
    details: tuple[tuple[str, ...], ...]
    stamps: tuple[StampView, ...]
    deliveries: tuple[DeliveryView, ...]
    audit: tuple[AuditEntry, ...]

    @property
    def verdict(self) -> str:
        """FAILED if any stamp failed, INDETERMINATE if any is unproven, else PASSED (or no stamps)."""
        found = [s.report.indication.value for s in self.stamps if s.report is not None]
        for word in ("FAILED", "INDETERMINATE"):
            if word in found:
                return word
        return "PASSED" if found else "UNSTAMPED"


def party_name(env: Environment, org: Org) -> str:
    found = [p for p in env.parties if p.org_type == org.type and p.cert_id == org.id]
    return found[0].name if found else str(org)


def visible(q: Queries, org: Org | None, key: VoucherKey) -> tuple[Doc, int, list[Delivery]]:
    """The document, the newest version `org` may see and the deliveries it may see; VoucherNotFound
    when it may see none (or there is none)."""
    doc = q.voucher(key)
    deliveries = q.deliveries(key) if doc else []
    if doc is None or org is None or doc.owner == org:
        if doc is None:
            raise VoucherNotFound(key)
        return doc, doc.version, deliveries
    mine = [d for d in deliveries if org.receives(d.dest)]
    if not mine:
        raise VoucherNotFound(key, detail=f"no such voucher for org {org}")
    return doc, max(d.version for d in mine), mine


def _amount(text: str) -> str:
    try:
        return f"{Decimal(text):,.2f}"
    except (InvalidOperation, ValueError):
        return text


def _fields(vt: VoucherType | None, values: dict[str, str], *, detail: bool = False) -> list[Field]:
    out = []
    for name, value in values.items():
        spec = vt.field(name, detail=detail) if vt is not None and vt.has_field(name, detail=detail) else None
        amount = spec is not None and spec.kind is Kind.AMOUNT and bool(value)
        out.append(
            Field(name, (spec.zh_name if spec else "") or name, _amount(value) if amount else value, amount)
        )
    return out


def _picture(data: bytes) -> str:
    try:
        seal = load_signature(data).seal
    except EvoucherError:
        return ""
    mime = PICTURE_MIME.get(seal.picture_format or "")
    return f"data:{mime};base64,{base64.b64encode(seal.picture).decode()}" if mime else ""


def layout(env: Environment, parsed: Voucher, key: VoucherKey) -> tuple[StampPosition, ...]:
    """The positions a complete copy of this document carries (a failed receipt's own layout)."""
    failed = key.voucher_flag == 1 and failed_receipt(parsed)
    return env.positions_for(key.vt_code, key.voucher_flag, failed=failed)


def judge(env: Environment, policy: SealPolicy, version: Version, parsed: Voucher) -> tuple[StampView, ...]:
    """Every layout position and every stamp carried, each with `evoucher`'s verdict."""
    positions = layout(env, parsed, version.key)
    reports = verify_body(as_body(version), trust_anchors=env.trust_anchors, crls=env.crls, policy=policy)
    found = {s.position: (s, r) for s, r in zip(version.stamps, reports, strict=True)}
    names = {p.id: p for p in env.positions.get(version.key.vt_code, ())}
    views = []
    for position in [p.id for p in positions] + [p for p in found if p not in {x.id for x in positions}]:
        spec = names.get(position)
        name, kind = (spec.name, spec.kind) if spec else (position, "stamp")
        if position in found:
            stamp, report = found[position]
            picture = _picture(stamp.data) if stamp.kind == "stamp" else ""
            views.append(StampView(position, name, stamp.kind, stamp.cert_id, picture, report))
        else:
            views.append(StampView(position, name, kind))
    return tuple(views)


def document_view(
    q: Queries, env: Environment, policy: SealPolicy, org: Org | None, key: VoucherKey, number: int | None
) -> DocumentView:
    """Everything the voucher page shows of `key` at version `number` (the newest visible by default)."""
    doc, newest, deliveries = visible(q, org, key)
    number = newest if number is None or not 1 <= number <= newest else number
    versions = tuple(v for v in q.versions(key)[:newest])
    version = versions[number - 1]
    parsed = parse_voucher(version.body)
    vt = registry.get(key.vt_code) if key.vt_code in registry.codes() else None
    header = {k: v for k, v in parsed.header.items()}
    columns: list[str] = []
    for row in parsed.details:
        columns += [c for c, value in row.items() if value and c not in columns]
    detail_labels = tuple(f.label for f in _fields(vt, dict.fromkeys(columns, ""), detail=True))
    details = tuple(
        tuple(f.value for f in _fields(vt, {c: row.get(c, "") for c in columns}, detail=True))
        for row in parsed.details
    )
    audit = q.audit_page(voucher=str(key), limit=MAX_AUDIT)
    if org is not None:
        audit = [e for e in audit if e.org == str(org)]
    title = (vt.zh_name if vt else key.vt_code) + ("（回单）" if key.voucher_flag else "")
    return DocumentView(
        key=key,
        doc=doc,
        owner_name=party_name(env, doc.owner),
        title=title,
        version=version,
        versions=versions,
        header=tuple(_fields(vt, header)),
        detail_columns=detail_labels,
        details=details,
        stamps=judge(env, policy, version, parsed),
        deliveries=tuple(DeliveryView(d, party_name(env, d.dest), q._code(doc, d)) for d in deliveries),
        audit=tuple(audit),
    )
