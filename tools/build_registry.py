"""Generate `evoucher/registry/fields.json` from the ITFE field table (`voucher-fields.tsv`).

The TSV records what one implementation (the PBoC front end ITFE) writes and checks for 88
VtCodes. This tool keeps those facts and nothing else: every field with its spelling, Chinese
name, kind, byte limit and ITFE's mandatory flag, plus a few flags distilled from the notes
column (conditional checks, digit rules, "set on the receipt", V2.0 additions, header sums).
Our own decisions live in the hand-written overlay (`evoucher/registry/overlay.py`), so a
regenerated file never overwrites a decision and a decision never hides a fact.

Usage: python tools/build_registry.py [--tsv PATH] [--out PATH] [--check]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TSV = ROOT.parent / "shared" / "reference" / "voucher-fields.tsv"
DEFAULT_OUT = ROOT / "evoucher" / "registry" / "fields.json"
SOURCE = {
    "repository": "caoyanguo/ITFE",
    "commit": "61f7b12abf0abdd707484ed01b1a9f9e5afb0d12",
    "table": "voucher-fields.tsv",
}

# a "Y" that holds only in a regional mode or under a switch is not mandatory by default
CONDITIONAL = re.compile(
    r"parser reads it only: (only|Shanghai)|required only when|Shanghai mode only|only when TreCode"
)
# the receipt builder fills the tag on every receipt (a regional prefix makes it conditional)
RECEIPT_SET = re.compile(r"(?:^|; )set on the receipt")
EXACT_DIGITS = re.compile(r"common check: exactly (\d+) digits")
RANGE_DIGITS = re.compile(r"common check: (\d+)-(\d+) digits")
SUM_OF = re.compile(r"must equal the (?:sum of (?:the )?|single )detail (\w+)")


def field_facts(row: dict[str, str]) -> dict[str, object]:
    """One TSV row reduced to the facts the registry uses."""
    notes = row["notes"]
    facts: dict[str, object] = {
        "name": row["field"],
        "zh": row["zh_name"],
        "kind": row["kind"],
        "max_len": int(row["max_len"]) if row["max_len"] else None,
        "itfe_required": row["required"],
        "receipt_only": row["receipt_only"] == "Y",
    }
    if row["required"] == "Y" and CONDITIONAL.search(notes):
        facts["conditional"] = True
    if RECEIPT_SET.search(notes):
        facts["receipt_set"] = True
    if "V2.0 interface" in notes:
        facts["v2"] = True
    if m := EXACT_DIGITS.search(notes):
        facts["digits"] = [int(m[1]), int(m[1])]
    elif m := RANGE_DIGITS.search(notes):
        facts["digits"] = [int(m[1]), int(m[2])]
    if m := SUM_OF.search(notes):
        facts["sum_of"] = m[1]
    return facts


def build(tsv: Path) -> dict[str, object]:
    types: dict[str, dict[str, list[dict[str, object]]]] = {}
    with tsv.open(encoding="utf-8", newline="") as fh:
        rows = sorted(csv.DictReader(fh, delimiter="\t"), key=lambda r: (r["vt_code"], int(r["order"])))
    for row in rows:
        parts = types.setdefault(row["vt_code"], {"header": [], "detail": []})
        parts[row["part"]].append(field_facts(row))
    return {"source": {**SOURCE, "rows": len(rows)}, "types": types}


def dump(data: dict[str, object]) -> str:
    """JSON with one field per line, so a regenerated file diffs line by line."""
    out = ["{", f' "source": {json.dumps(data["source"], ensure_ascii=False)},', ' "types": {']
    types = data["types"]
    assert isinstance(types, dict)
    for i, (code, parts) in enumerate(types.items()):
        out.append(f'  "{code}": {{')
        for j, part in enumerate(("header", "detail")):
            fields = [f"    {json.dumps(f, ensure_ascii=False)}" for f in parts[part]]
            out.append(f'   "{part}": [')
            out.append(",\n".join(fields))
            out.append("   ]" + ("," if j == 0 else ""))
        out.append("  }" + ("," if i < len(types) - 1 else ""))
    out += [" }", "}", ""]
    return "\n".join(line for line in out if line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tsv", type=Path, default=DEFAULT_TSV, help="the ITFE field table")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON file to write")
    parser.add_argument("--check", action="store_true", help="exit 1 if --out is not up to date")
    args = parser.parse_args(argv)
    text = dump(build(args.tsv)) + "\n"
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run python tools/build_registry.py", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
