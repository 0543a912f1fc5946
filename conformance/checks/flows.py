"""Business flows: the parties of `mocks` play a whole business day against the target (every flow
and special case of docs/flows.md, as `guoku demo` does), once per run; then every invariant and
every flow is a check with its MK-FLOW id."""

from __future__ import annotations

from typing import Any

from conformance.catalogue import requirement
from conformance.context import Ctx, Target
from conformance.evidence import AsyncRecordingTransport
from conformance.failures import Failure, NotApplicable, Skipped

INVARIANTS = [
    ("money-conserved", ("money conserved", "MK-FLOW-033")),
    ("paid-within-quota", ("paid within quota", "MK-FLOW-034")),
    ("cleared-equals-paid", ("cleared = paid per bank", "MK-FLOW-035")),
    ("refunds-restore", ("refunds restore exactly", "MK-FLOW-036")),
    ("every-voucher-ended", ("every voucher ended", "MK-FLOW-037")),
    ("nothing-twice", ("no voucher processed twice", "MK-FLOW-038")),
    ("reconciliation-agrees", ("reconciliation 相符", "MK-FLOW-039")),
    ("no-party-errors", ("no party errors", "MK-FLOW-040")),
]
FLOWS = [  # the flow's name in the day report starts with this; its requirement ids
    ("quota-notices", ("额度通知", ("MK-FLOW-014",))),
    ("transfer-5207", ("实拨", ("MK-FLOW-015", "MK-FLOW-012"))),
    ("half-level", ("半级财政", ("MK-FLOW-029",))),
    ("special-account", ("专户", ("MK-FLOW-016", "MK-FLOW-027"))),
    ("direct-payment", ("直接支付", ("MK-FLOW-017", "MK-FLOW-043"))),
    ("authorized-payment", ("授权支付", ("MK-FLOW-018", "MK-FLOW-046"))),
    ("clearing", ("额度清算", ("MK-FLOW-019", "MK-FLOW-025"))),
    ("payee-bank-refund", ("收款行退款", ("MK-FLOW-020", "MK-FLOW-045"))),
    ("revenue-refund", ("收入退付", ("MK-FLOW-021",))),
    ("adjustment", ("调整", ("MK-FLOW-022", "MK-FLOW-044"))),
    ("reconciliation", ("对账", ("MK-FLOW-023",))),
    ("daily-reports", ("日报", ("MK-FLOW-024",))),
]
FINAL = {3, 4, 5, 9, 10, 11, 12}  # what a sender may see of a delivery once the day settled


def business_day(ctx: Ctx) -> Any:
    """The day's report, played once per run (the first flow check pays for it and carries its evidence)."""
    target: Target = ctx.target
    if "day" not in target.cache:
        from mocks.engine import DayConfig, run_business_day
        from mocks.tips import TipsConfig

        config = DayConfig(
            seed=target.seed or 7,
            profile=ctx.profile,
            tips=TipsConfig(latency=0.0),
            business_date=target.business_date,
            run_tag=target.run_tag,
        )
        try:
            target.cache["day"] = run_business_day(
                target.url,
                ctx.env,
                config,
                target=target.url,
                transport=lambda: AsyncRecordingTransport(ctx.recorder),
            )
        except Exception as exc:  # kept, so the day is tried once per run
            target.cache["day"] = exc
    day = target.cache["day"]
    if type(day) is ValueError:  # an environment without a division holding finance and a treasury
        raise Skipped(f"the business day cannot run in this environment: {day}")
    if isinstance(day, Exception):
        raise day
    return day


@requirement("MK-FLOW-031", each=[(s, spec, (spec[1],)) for s, spec in INVARIANTS], name="invariant")
def invariant_holds(ctx: Ctx, spec: tuple[str, str]) -> None:
    """Business-day invariant {} holds after every flow of the day."""
    name, rid = spec
    day = business_day(ctx)
    verdict = next((v for v in day.verdicts if v.name == name), None)
    if verdict is None or verdict.ok is None:
        raise NotApplicable(f"invariant {name!r} could not be checked from the wire")
    ctx.notes["invariant"] = verdict.to_json()
    if not verdict.ok:
        raise Failure(f"{name}: {'; '.join(verdict.failures[:5])}", requirement=rid)


@requirement("MK-FLOW-031", "MK-FLOW-001", each=[(s, spec, spec[1]) for s, spec in FLOWS], name="flow")
def flow_completes(ctx: Ctx, spec: tuple[str, tuple[str, ...]]) -> None:
    """Flow {} runs through the target: vouchers sent, none left pending."""
    prefix, ids = spec
    day = business_day(ctx)
    line = next((f for f in day.flows if f.flow.startswith(prefix)), None)
    if line is None:
        raise Skipped(f"the environment's parties do not play {prefix} (use the province scenario)")
    ctx.notes["flow"] = {
        "flow": line.flow,
        "sent": line.sent,
        "receipt": line.receipt,
        "returned": line.returned,
        "failed": line.failed,
        "pending": line.pending,
    }
    if line.sent == 0 or line.pending:
        raise Failure(
            f"{line.flow}: {line.sent} sent, {line.pending} still pending at the end of the day",
            requirement=ids[0],
        )


@requirement("MK-FLOW-009", "VL-LIB-035")
def status_board_final(ctx: Ctx) -> None:
    """At the end of the day every sender sees a final status for every delivery (3, 4, 5, 9–12)."""
    day = business_day(ctx)
    open_rows = [
        f"{r.vt_code}/{r.voucher_no}→{r.dest}: {r.status}" for r in day.board if r.status not in FINAL
    ]
    ctx.notes["board"] = len(day.board)
    if not day.board:
        raise Failure("the status board is empty", requirement="MK-FLOW-009")
    if open_rows:
        raise Failure(
            f"{len(open_rows)} deliveries not final: {', '.join(open_rows[:5])}", requirement="MK-FLOW-009"
        )
