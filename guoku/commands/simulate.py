"""`guoku simulate`: a province's treasury payments under SimPy (sim/, docs/sim.md).

Reference mode plays the day with the parties of `mocks/` against a real library (the embedded
reference, started as `guoku demo` starts it, or --target URL --env DIR), charging each call's
wall time to the simulated clock; model mode replaces the library by service times from a
calibration file. `guoku simulate calibrate` measures such a file. Progress goes to stderr;
exit 0 when the run finished (and, in reference mode, every invariant held), 1 when an invariant
failed, 2 on usage errors (an unknown scenario, a bad date, replications in reference mode).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from guoku.cli import EXIT_FAIL, EXIT_OK, EXIT_USAGE

EPILOG = """\
Scenarios (sim/scenarios, or a path to your own TOML): small-province, zhejiang, upgrade-2.0,
year-end-peak, outage. Every number in them is tagged stated/derived/assumed with its source.

Examples:
  guoku simulate small-province                      # reference mode, embedded library, one day
  guoku simulate small-province --mode reference --days 3   # three days against one library
  guoku simulate small-province --mode model --seed 3 --json
  guoku simulate zhejiang --mode model --out ./zj    # July 2013 to the end of 2018
  guoku simulate outage --replications 8 --jobs 2
  guoku simulate year-end-peak --replications 4 --dask tcp://127.0.0.1:8786
  guoku simulate calibrate --out my-library.json --target http://127.0.0.1:8190 --env ./env
Files in --out: summary.json, series.csv, flows.csv, rollout.csv, *.png, report.html.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="discrete-event model of a province's payments (reference or model mode)",
        description="Simulate a scenario's treasury payments under SimPy, or `calibrate` service times.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenario", help="a shipped scenario name, a TOML path, or `calibrate`")
    parser.add_argument(
        "--mode", choices=("reference", "model"), help="default: reference for one day, else model"
    )
    parser.add_argument("--from", dest="start", metavar="DATE", help="first simulated date (the scenario's)")
    parser.add_argument("--days", type=int, metavar="N", help="simulated calendar days (the scenario's)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument(
        "--replications", type=int, default=1, metavar="R", help="model-mode replications (1)"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, metavar="J", help="worker processes for replications (1)"
    )
    parser.add_argument("--dask", metavar="ADDRESS", help="run the replications on this Dask scheduler")
    parser.add_argument(
        "--calibration", metavar="FILE", help="service-time file (the scenario's, else shipped)"
    )
    parser.add_argument("--target", metavar="URL", help="reference mode / calibrate: a running library")
    parser.add_argument("--env", type=Path, metavar="DIR", help="the environment of --target's parties")
    parser.add_argument(
        "--profile", choices=("2.0", "1.0"), default="2.0", help="reference mode's profile (2.0)"
    )
    parser.add_argument("--out", type=Path, metavar="DIR", help="where the report goes (calibrate: the file)")
    parser.add_argument("--json", action="store_true", help="summary.json on stdout")
    parser.set_defaults(func=run)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _usage(message: str) -> int:
    print(f"guoku simulate: {message}", file=sys.stderr)
    return EXIT_USAGE


def _progress() -> Any:
    last = [0.0]
    started = time.perf_counter()

    def show(state: dict[str, Any]) -> None:
        now = time.perf_counter()
        if now - last[0] >= 1.0 or state["day"] == state["days"]:
            last[0] = now
            _say(
                f"  {state['date']}  day {state['day']}/{state['days']}  {state['vouchers']} vouchers  "
                f"{now - started:.1f} s"
            )

    return show


def _library(args: argparse.Namespace, home: Path):
    """(URL, environment, audit) of --target, or of the embedded reference started as `guoku demo` does."""
    from evoucher.pki import load_environment
    from evoucher.pki.builder import create_environment
    from guoku.commands.demo import embedded_library

    if args.target:
        env = load_environment(args.env)
        return _Given(args.target, env)
    env = create_environment(home / "env", scenario="province", seed=7)
    return _Embedded(
        embedded_library(env.root, f"sqlite:///{home / 'library.db'}", profile=args.profile), env
    )


class _Given:
    def __init__(self, url: str, env) -> None:
        self.url, self.env, self.audit = url, env, None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


class _Embedded:
    def __init__(self, context, env) -> None:
        self.context, self.env = context, env

    def __enter__(self):
        self.url, library = self.context.__enter__()

        def audit() -> tuple[bool, str]:
            verdict = library.store.verify_audit()
            detail = f"{verdict.checked} entries, head {verdict.head_hash[:16]}…"
            return verdict.intact, detail if verdict.intact else f"{detail}: {verdict.problem}"

        self.audit = audit
        _say(f"reference library (embedded) listening on {self.url}")
        return self

    def __exit__(self, *exc) -> None:
        self.context.__exit__(*exc)


def _unreachable(url: str) -> str:
    """Why nothing answers HTTP at `url` ("" when something does): checked before a day is spent on it."""
    import httpx

    try:
        httpx.get(url, timeout=5.0)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def calibrate(args: argparse.Namespace) -> int:
    from sim.calibration import CalibrationError, document, measure, save

    if bool(args.target) != bool(args.env):
        return _usage("--target and --env go together")
    if args.target and (problem := _unreachable(args.target)):
        print(
            f"guoku simulate calibrate: cannot reach the library at {args.target}: {problem}", file=sys.stderr
        )
        return EXIT_FAIL
    profiles = {}
    try:
        for profile in (args.profile,) if args.target else ("2.0", "1.0"):
            args.profile = profile
            with _library(args, Path(tempfile.mkdtemp(prefix="guoku-sim-"))) as lib:
                _say(f"measuring profile {profile}: one business day of every flow against {lib.url} …")
                samples = measure(lib.url, lib.env, profile=profile, audit=lib.audit)
                profiles[profile] = (
                    args.target or "reference library (embedded, SQLite)",
                    len(lib.env.parties),
                    samples,
                )
    except FileNotFoundError as exc:  # --env is not an environment
        return _usage(str(exc))
    except CalibrationError as exc:
        print(f"guoku simulate calibrate: {exc}", file=sys.stderr)
        return EXIT_FAIL
    path = save(document(profiles, tool="guoku simulate calibrate"), args.out or Path("service-times.json"))
    _say(f"wrote {path}")
    for profile, (_, _, samples) in profiles.items():
        print(f"{profile}: " + ", ".join(f"{op} n={len(s)}" for op, s in sorted(samples.items())))
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from sim import engine, report
    from sim.calibration import CalibrationError
    from sim.scenario import ScenarioError, load

    if args.scenario == "calibrate":
        return calibrate(args)
    try:
        scenario = load(args.scenario)
        start = dt.date.fromisoformat(args.start) if args.start else None
    except (ScenarioError, ValueError) as exc:
        return _usage(str(exc))
    days = args.days or (1 if start and not args.days else None) or scenario.days
    mode = args.mode or ("reference" if days == 1 else "model")
    if mode == "reference" and args.replications > 1:
        return _usage("reference mode plays one replication (replications are model mode's)")
    if bool(args.target) != bool(args.env):
        return _usage("--target and --env go together: the library's URL and its parties' environment")
    home = Path(tempfile.mkdtemp(prefix="guoku-sim-"))
    out = args.out or home / "report"
    started = time.perf_counter()
    _say(f"{scenario.name}: {mode} mode, seed {args.seed}, {days} days from {start or scenario.start}")
    try:
        if mode == "reference":
            with _library(args, home) as lib:
                summary, _, sim = engine.simulate_reference(
                    scenario,
                    lib.url,
                    lib.env,
                    seed=args.seed,
                    start=start,
                    days=days,
                    profile=args.profile,
                    audit=lib.audit,
                    progress=_progress(),
                )
            sim_metrics = sim.metrics
            ok = summary["reference"]["ok"]
        else:
            summary, sim = engine.simulate_model(
                scenario,
                seed=args.seed,
                start=start,
                days=days,
                calibration_file=args.calibration,
                progress=_progress(),
            )
            sim_metrics, ok = sim.metrics, True
    except (ScenarioError, CalibrationError) as exc:
        return _usage(str(exc))
    replications = None
    if args.replications > 1:
        specs = [
            engine.RunSpec(args.scenario, args.seed + i, start, days, args.calibration)
            for i in range(1, args.replications)
        ]
        where = f"Dask at {args.dask}" if args.dask else f"{args.jobs} processes"
        _say(f"{len(specs)} more replications on {where} …")
        summaries = [summary, *engine.replicate(specs, jobs=args.jobs, dask=args.dask)]
        replications = engine.confidence(summaries)
        summary["replications"] = replications
    files = report.write(summary, sim_metrics, out, replications)
    wall = time.perf_counter() - started
    _say(f"{wall:.1f} s wall, {summary['simpy_events']} SimPy events; report: {files['html']}")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True))
    else:
        print(_text(summary, files))
    return EXIT_OK if ok else EXIT_FAIL


_MARK = {True: "ok  ", False: "FAIL", None: "n/a "}


def _text(summary: dict[str, Any], files: dict[str, str]) -> str:
    lines = [
        f"{summary['scenario']} ({summary['mode']} mode, seed {summary['seed']}): {summary['from']} + "
        f"{summary['days']} days, {summary['working_days']} working",
        "",
    ]
    shown = lambda flow: len(flow) + sum(1 for ch in flow if ord(ch) > 0x2E7F)  # noqa: E731 (CJK: 2 cells)
    width = max([22] + [shown(r["flow"]) + 2 for r in summary["flows"]])
    lines.append(
        f"{'flow':<{width}}{'medium':<11}{'sent':>10}{'receipt':>10}{'ret':>6}{'fail':>6}{'pend':>8}"
        f"{'funds p50':>11}{'receipt p50':>13}{'p95':>9}  (minutes)"
    )
    for r in summary["flows"]:
        f50, r50, r95 = (r["funds_min"].get("p50"), r["receipt_min"].get("p50"), r["receipt_min"].get("p95"))
        fmt = lambda v: "-" if v is None else f"{v:.1f}"  # noqa: E731
        lines.append(
            f"{r['flow']:<{width - shown(r['flow']) + len(r['flow'])}}{r['medium']:<11}"
            f"{r['sent']:>10}{r['receipt']:>10}{r['returned']:>6}"
            f"{r['failed']:>6}{r['pending']:>8}{fmt(f50):>11}{fmt(r50):>13}{fmt(r95):>9}"
        )
    lines += ["", "headline:"] + [f"  {k:<28} {v}" for k, v in summary["headline"].items()]
    for fault in summary["faults"]:
        lines.append(
            f"  fault {fault['kind']} at {fault['start']}: backlog {fault['backlog_before']:.0f} -> "
            f"{fault['backlog_peak']:.0f}, drained {fault['drained_hours_after_end']} h after its end"
        )
    if summary.get("replications"):
        lines += ["", "replications (mean ± 95% CI):"]
        lines += [f"  {k:<28} {v['mean']} ± {v['ci95']}" for k, v in summary["replications"].items()]
    ref = summary.get("reference")
    if ref:
        lines += ["", "invariants:"]
        lines += [f"  {_MARK[v['ok']]} {v['name']} — {v['detail'][:90]}" for v in ref["verdicts"]]
        lines += ["", "ALL INVARIANTS HOLD" if ref["ok"] else "SOME INVARIANTS FAILED"]
    lines += ["", "report files:"] + [f"  {k:<10} {v}" for k, v in files.items()]
    return "\n".join(lines)
