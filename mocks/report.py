"""The day's report: per-flow counts, money, invariants and the status board, as text, JSON and HTML.

Pure formatting of facts the engine collected; nothing here talks to a library. The status
board is what the library itself says about each voucher at the end of the day (the status
codes of reference §3 per destination), next to what the sender's journal recorded.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from mocks.invariants import Verdict
from mocks.journal import OUTCOMES, Journal
from mocks.money import ZERO, total


@dataclass(frozen=True)
class FlowLine:
    flow: str
    sent: int
    receipt: int
    returned: int
    failed: int
    pending: int
    amount: Decimal


@dataclass(frozen=True)
class BoardRow:
    flow: str
    vt_code: str
    voucher_no: str
    adm_div_code: str
    sender: str
    dest: str
    amount: Decimal
    outcome: str
    detail: str
    status: int
    status_text: str


@dataclass(frozen=True)
class DayReport:
    target: str
    profile: str
    seed: int
    business_date: str
    seconds: float
    phases: list[tuple[str, int, float]]
    flows: list[FlowLine]
    money: dict[str, Decimal]
    verdicts: list[Verdict]
    board: list[BoardRow]
    files: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Every invariant that could be checked held."""
        return all(v.ok is not False for v in self.verdicts)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdicts"] = [v.to_json() for v in self.verdicts]
        data["ok"] = self.ok
        return json.loads(json.dumps(data, default=str))


def flow_lines(journal: Journal) -> list[FlowLine]:
    lines = []
    for flow, records in journal.by_flow().items():
        counts = Counter(r.outcome for r in records)
        lines.append(
            FlowLine(flow, len(records), *(counts[o] for o in OUTCOMES), total(r.amount for r in records))
        )
    return lines


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def text(report: DayReport) -> str:
    """The summary the demo prints."""
    where = f"{report.target} (profile {report.profile}, seed {report.seed})"
    out = [
        f"business day {report.business_date} on {where}, {report.seconds:.1f} s",
        "",
        f"{'flow':<34}{'sent':>6}{'receipt':>9}{'returned':>10}{'failed':>8}{'pending':>9}{'amount':>18}",
    ]
    for f in report.flows:
        counts = f"{f.sent:>6}{f.receipt:>9}{f.returned:>10}{f.failed:>8}{f.pending:>9}"
        out.append(f"{f.flow:<{34 - _wide(f.flow)}}{counts}{_yuan(f.amount):>18}")
    sums = [
        sum(getattr(f, k) for f in report.flows) for k in ("sent", "receipt", "returned", "failed", "pending")
    ]
    out.append(f"{'total':<34}" + "".join(f"{n:>{w}}" for n, w in zip(sums, (6, 9, 10, 8, 9), strict=True)))
    out += ["", "money:"]
    out += [f"  {name:<{40 - _wide(name)}} {_yuan(amount):>18}" for name, amount in report.money.items()]
    out += ["", "invariants:"]
    for v in report.verdicts:
        mark = {True: "ok  ", False: "FAIL", None: "n/a "}[v.ok]
        out.append(f"  {mark} {v.name} — {v.detail}")
        out += [f"         {failure}" for failure in v.failures[:10]]
    codes = Counter((row.status, row.status_text) for row in report.board)
    board = ", ".join(f"{code} {name} ×{n}" for (code, name), n in sorted(codes.items()))
    out += ["", f"status board ({len(report.board)} deliveries): {board}"]
    if report.files:
        out += ["", "report files:"] + [f"  {name:<12} {path}" for name, path in report.files.items()]
    out.append("")
    out.append("ALL INVARIANTS HOLD" if report.ok else "SOME INVARIANTS FAILED")
    return "\n".join(out)


def _wide(value: str) -> int:
    """How many more columns than characters `value` takes (CJK characters are two wide)."""
    return sum(1 for ch in value if ord(ch) > 0x2E7F)


_STYLE = """body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}th{background:#eee}
.receipt{background:#e7f6e7}.returned{background:#fff4d6}.failed{background:#fde2e2}.pending{background:#ddd}
.ok{color:#176317}.FAIL{color:#b00}td.num{text-align:right}"""


def _tr(cells: list[object], cls: str = "", tag: str = "td") -> str:
    inner = "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in cells)
    return f"<tr class='{html.escape(cls)}'>{inner}</tr>"


FLOW_COLUMNS = ["flow", "sent", "receipt", "returned", "failed", "pending", "amount"]
BOARD_COLUMNS = [
    "flow",
    "VtCode",
    "VoucherNo",
    "AdmDivCode",
    "sender",
    "to",
    "amount",
    "outcome",
    "library status",
]


def board_html(report: DayReport) -> str:
    """The status board: every voucher, its outcome in the sender's books and its library status."""
    e = html.escape
    flows = "".join(
        _tr([f.flow, f.sent, f.receipt, f.returned, f.failed, f.pending, _yuan(f.amount)])
        for f in report.flows
    )
    rows = "".join(
        _tr(
            [
                r.flow,
                r.vt_code,
                r.voucher_no,
                r.adm_div_code,
                r.sender,
                r.dest,
                _yuan(r.amount),
                f"{r.outcome} {r.detail}".strip(),
                f"{r.status} {r.status_text}",
            ],
            r.outcome,
        )
        for r in report.board
    )
    verdicts = "".join(
        f"<li class='{'ok' if v.ok else 'FAIL'}'>{e(v.name)}: {e(v.detail)}"
        + "".join(f"<br>{e(f)}" for f in v.failures[:20])
        + "</li>"
        for v in report.verdicts
    )
    verdict = "all invariants hold" if report.ok else "SOME INVARIANTS FAILED"
    return (
        f"<!doctype html><meta charset='utf-8'><title>guoku status board {report.business_date}</title>"
        f"<style>{_STYLE}</style><h1>guoku — business day {report.business_date}</h1>"
        f"<p>{e(report.target)} · profile {report.profile} · seed {report.seed} · {report.seconds:.1f} s · "
        f"<b>{verdict}</b></p><h2>Flows</h2><table>{_tr(FLOW_COLUMNS, tag='th')}{flows}</table>"
        f"<h2>Invariants</h2><ul>{verdicts}</ul>"
        f"<h2>Status board</h2><table>{_tr(BOARD_COLUMNS, tag='th')}{rows}</table>"
    )


def write_files(report: DayReport, out_dir: Path) -> dict[str, str]:
    """summary.txt, report.json and board.html in `out_dir`; returns name -> path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "summary": out_dir / "summary.txt",
        "json": out_dir / "report.json",
        "board": out_dir / "board.html",
    }
    report.files.update({name: str(path) for name, path in files.items()})
    files["summary"].write_text(text(report) + "\n", encoding="utf-8")
    files["json"].write_text(
        json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    files["board"].write_text(board_html(report), encoding="utf-8")
    return report.files


def money_facts(balances: dict[str, Decimal], names: dict[str, str], opening: Decimal) -> dict[str, Decimal]:
    """Totals worth printing: the ledger before and after, treasuries, reserves, payees."""
    facts = {
        "settlement ledger at the start": opening,
        "settlement ledger at the end": total(balances.values()),
    }
    for number, balance in sorted(balances.items()):
        name = names[number]
        if name.endswith(("国库存款", "备付金")) or number.startswith("ZH"):
            facts[f"{name}"] = balance
    facts["paid out to payees (net)"] = (
        total(
            b
            for n, b in balances.items()
            if not (n.startswith(("BK", "ZH")) or names[n].endswith("国库存款"))
        )
        if balances
        else ZERO
    )
    return facts
