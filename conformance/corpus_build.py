"""Build the must-fail corpus (conformance/corpus/): documents every conforming library must refuse.

    python -m conformance.corpus_build [DIR]     # default: conformance/corpus

Reproducible: everything derives from the registry (a fixed sample per VtCode, one violation per
rule from `evoucher.registry.mutations`) and fixed hostile inputs; nothing depends on the clock, a
key or a random draw, so a rebuild is byte-identical (a test checks it). `index.json` says, for
each file, how to send it, who sends it and the fault it must produce; the README explains the rest.
Stamps are not in the corpus: a signature is random, so sealed cases are generated per run (seals.*).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from evoucher import registry
from evoucher.codec import MofBody, build_mof, build_voucher, parse_voucher, with_fields
from evoucher.errors import EvoucherError
from evoucher.interface import FINANCE, NAMESPACE
from evoucher.registry.checks import Context
from evoucher.registry.mutations import candidates

CORPUS = Path(__file__).resolve().parent / "corpus"
VERSION = 1
DATE = dt.date(2026, 1, 5)  # vouchers dated before any run: date rules never turn them valid later
ADM, YEAR, NUMBER = "330100", 2026, "90000000{:04d}"
FINANCE_CERT = "011-330100-01"
# rules whose violation depends on the day a library runs (a future date today is valid later)
CLOCK_RULES = {"year.st_year", "date.not_future"}
TYPES = ("5207", "5201", "5106", "2302", "8202")
SENDER_SERVICE = {"finance": FINANCE, "pboc": "AsspCBankService"}


def _mof(data: bytes) -> bytes:
    return build_mof([MofBody.of(parse_voucher(data))])


def _rule_cases(counter: list[int]) -> list[tuple[str, bytes, dict[str, Any]]]:
    from conformance.checks.registry import ROUTING, rule_requirements

    out = []
    for vt_code in TYPES:
        vt = registry.get(vt_code)
        base = parse_voucher(
            with_fields(
                parse_voucher(registry.sample(vt_code, seed=1, business_date=DATE)),
                {"AdmDivCode": ADM, "StYear": str(YEAR)},
            )
        )
        seen: set[str] = set()
        context = Context(DATE, "2.0")
        for c in candidates(
            vt, dict(base.header), [dict(d) for d in base.details] or None, receipt=False, ctx=context
        ):
            if c.rule in seen or c.rule in CLOCK_RULES or c.path.rpartition("/")[2] in ROUTING:
                continue
            header, details = c.apply()
            counter[0] += 1
            try:
                data = _mof(build_voucher({**header, "VoucherNo": NUMBER.format(counter[0])}, details))
            except EvoucherError:
                continue
            seen.add(c.rule)
            role = vt.sender.value
            out.append(
                (
                    f"mof/{vt_code}-{c.rule}.xml",
                    data,
                    {
                        "kind": "MOF",
                        "operation": "saveStampVoucher",
                        "service": SENDER_SERVICE.get(role, "AsspPBankService"),
                        "caller": f"the {role} of {ADM}",
                        "role": role,
                        "args": {"admDivCode": ADM, "stYear": YEAR, "vtCode": vt_code},
                        "expected": registry.RULES[c.rule].evs_code,
                        "requirement": rule_requirements().get(c.rule, "EV-REG-024"),
                        "why": f"{c.path} breaks {c.rule}: {registry.RULES[c.rule].description}",
                    },
                )
            )
    return out


def _envelope(body: str, declaration: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    return (
        f'{declaration}<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


QUERY = (
    f'<ns:queryVoucherType xmlns:ns="{NAMESPACE}"><certID>{FINANCE_CERT}</certID>'
    f"<admDivCode>{ADM}</admDivCode><stYear>{YEAR}</stYear></ns:queryVoucherType>"
)


def _soap_cases() -> list[tuple[str, bytes, dict[str, Any]]]:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    deep = QUERY.replace("</stYear>", "</stYear>" + "<a>" * 10_000 + "</a>" * 10_000)
    cases = {
        "dtd": (_envelope(QUERY, '<?xml version="1.0"?><!DOCTYPE x [<!ELEMENT x ANY>]>'), "a DTD"),
        "entity-expansion": (
            _envelope(QUERY.replace(f">{ADM}<", ">&l9;<"), f'<?xml version="1.0"?><!DOCTYPE e [{lol}]>'),
            "entity expansion (billion laughs)",
        ),
        "external-entity": (
            _envelope(
                QUERY.replace(f">{ADM}<", ">&x;<"),
                '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
            ),
            "an external entity (XXE)",
        ),
        "processing-instruction": (_envelope("<?evil x?>" + QUERY), "a processing instruction"),
        "soap12": (
            _envelope(QUERY).replace(
                b"http://schemas.xmlsoap.org/soap/envelope/", b"http://www.w3.org/2003/05/soap-envelope"
            ),
            "a SOAP 1.2 envelope",
        ),
        "two-operations": (_envelope(QUERY + QUERY), "two operations in one Body"),
        "not-well-formed": (_envelope(QUERY)[:-20], "a truncated envelope"),
        "utf16": (
            _envelope(QUERY, '<?xml version="1.0" encoding="UTF-16"?>').decode().encode("utf-16"),
            "UTF-16",
        ),
        "deep-nesting": (_envelope(deep), "10,000 nested elements"),
    }
    return [
        (
            f"soap/{name}.xml",
            data,
            {
                "kind": "SOAP request",
                "operation": "(the whole HTTP POST body)",
                "service": FINANCE,
                "caller": "anyone (refused before authentication)",
                "role": None,
                "args": {},
                "expected": "EVS100",
                "requirement": "VL-WIRE-006",
                "why": f"{why}: refused before any handler work",
            },
        )
        for name, (data, why) in cases.items()
    ]


def _mof_cases() -> list[tuple[str, bytes, dict[str, Any]]]:
    valid = parse_voucher(
        with_fields(
            parse_voucher(registry.sample("5207", seed=1, business_date=DATE)),
            {"AdmDivCode": ADM, "StYear": str(YEAR)},
        )
    )
    bodies = [
        MofBody.of(parse_voucher(with_fields(valid, {"VoucherNo": NUMBER.format(9000 + i)})))
        for i in range(101)
    ]
    head, extra = build_mof(bodies[:100]), build_mof(bodies[100:])
    over = head.replace(b"<VoucherCount>100</VoucherCount>", b"<VoucherCount>101</VoucherCount>", 1)
    over = (
        over[: over.rindex(b"</MOF>")]
        + extra[extra.index(b"<VoucherBody") : extra.rindex(b"</MOF>")]
        + b"</MOF>"
    )
    one = build_mof(bodies[:1])
    body_xml = one[one.index(b"<VoucherBody") : one.rindex(b"</MOF>")]  # build_mof refuses a repeat itself
    twice = one.replace(b"<VoucherCount>1<", b"<VoucherCount>2<").replace(b"</MOF>", body_xml + b"</MOF>")
    cases = {
        "101-bodies": (over, "EVS100", "EV-CODEC-009", "101 VoucherBody elements; the limit is 100"),
        "same-voucher-twice": (twice, "EVS100", "VL-LIB-020", "the same voucher twice in one MOF"),
        "dtd": (
            b'<?xml version="1.0" encoding="GBK"?>\n<!DOCTYPE MOF [<!ENTITY a "b">]><MOF><VoucherCount>1'
            b"</VoucherCount></MOF>",
            "EVS100",
            "EV-CODEC-013",
            "a DTD in the MOF",
        ),
        "attribute-mismatch": (
            one.replace(f'StYear="{YEAR}"'.encode(), f'StYear="{YEAR - 1}"'.encode(), 1),
            "EVS100",
            "EV-CODEC-008",
            "VoucherBody/@StYear differs from the voucher's StYear",
        ),
    }
    return [
        (
            f"mof/envelope-{name}.xml",
            data,
            {
                "kind": "MOF",
                "operation": "saveStampVoucher",
                "service": FINANCE,
                "caller": f"the finance of {ADM}",
                "role": "finance",
                "args": {"admDivCode": ADM, "stYear": YEAR, "vtCode": "5207"},
                "expected": code,
                "requirement": rid,
                "why": why,
            },
        )
        for name, (data, code, rid, why) in cases.items()
    ]


def build(directory: Path = CORPUS) -> dict[str, Any]:
    """Write every file and index.json into `directory`; returns the index."""
    counter = [0]
    cases = _rule_cases(counter) + _mof_cases() + _soap_cases()
    for name, data, _ in cases:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    index = {
        "format": "guoku-must-fail-corpus",
        "version": VERSION,
        "business_date": DATE.isoformat(),
        "environment": "any guoku environment (scenarios small, tiny or province): AdmDivCode 330100",
        "cases": [{"file": name, **meta} for name, _, meta in cases],
    }
    (directory / "index.json").write_text(
        json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return index


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    print(f"{len(build(target)['cases'])} cases written to {target}")
