"""The must-fail corpus (conformance/corpus/, built by `python -m conformance.corpus_build`): every
file sent as its index says, refused with the fault it names. One check per file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance import raw
from conformance.catalogue import requirement
from conformance.context import Ctx
from conformance.failures import Skipped

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CASES = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))["cases"] if CORPUS.is_dir() else []


def _suffix(case: dict[str, Any]) -> str:
    return case["file"].rsplit(".", 1)[0].replace("/", ".")


@requirement("VL-WIRE-006", each=[(_suffix(c), c, (c["requirement"],)) for c in CASES], name="must-fail")
def must_fail(ctx: Ctx, case: dict[str, Any]) -> None:
    """Corpus {}: refused with the fault its index names."""
    data = (CORPUS / case["file"]).read_bytes()
    ctx.notes["case"] = {k: v for k, v in case.items() if k != "file"}
    if case["kind"] == "SOAP request":
        raw.refused(
            raw.post(ctx, case["service"], data),
            case["expected"],
            operation=case["file"],
            why=case["why"],
            requirement=case["requirement"],
        )
        return
    args = case["args"]
    if args["admDivCode"] not in {p.adm_div_code for p in ctx.env.parties}:
        raise Skipped(f"the corpus is made for AdmDivCode {args['admDivCode']}, which this environment lacks")
    ctx.adm = args["admDivCode"]
    party = ctx.party(case["role"])
    client = ctx.client(party)
    ctx.refuses(
        case["expected"],
        lambda: client.call(case["operation"], args["admDivCode"], args["stYear"], args["vtCode"], data),
        why=case["why"],
        requirement=case["requirement"],
    )
