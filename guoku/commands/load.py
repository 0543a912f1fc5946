"""`guoku load run|compare|calibrate`: load tests of a voucher library with Locust (loadtests/).

Exit codes: 0 every validity gate passed, 1 a gate failed (or the harness could not run: the
message says which), 2 usage (a bad option, an unreadable environment or mix).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from guoku.cli import EXIT_FAIL, EXIT_OK, EXIT_USAGE

EPILOG_RUN = """\
The vouchers of the run are built, stamped and their requests signed before the load starts
(the pool), so the generator spends no CPU on SM2 while it measures. Each party of the mix is a
set of Locust FastHttpUser desks; a case travels sender -> receiver -> sender through the
realware operations of the client's generation (1.0: one voucher per call, v1 stamps; 2.0:
signStampByNosAndSend / batchQueryAllVoucherStatus in batches, v4 seals).

--rate R   open model: R vouchers/s arrive whatever the target does; latency from the intended
           start (coordinated omission accounted for)
--users N  closed model: N concurrent cases, each next one after the previous finished

After the run the gates: failures under --max-failure-rate, the pool lasted, every case
finished its lifecycle within the cool-down, every acknowledged document handed to its reader
with its stamps (samples verified), none twice, every status what the lifecycle implies.
Output (--out): report.html, result.json, timeline.png, latency.png, latency-distribution.png,
and Locust's own locust.html and locust_*.csv.

Examples:
  guoku load run --duration 10                       # against an embedded reference library
  guoku load run --target http://127.0.0.1:8190 --env ./env --mix month-end --rate 10 --duration 60
  guoku load run --target URL --env ./env --users 8 --duration 60 --workers 2
See docs/load.md (method, figures, running workers on other machines).
"""

EPILOG_COMPARE = """\
Runs the same mix against --baseline and --candidate in alternating rounds (the order swapped
each round) and reports the ratio candidate/baseline of vouchers per second with its spread,
per-operation p50/p95/p99 of both and where each side's time per voucher goes.
--self-test starts a 1.0 and a 2.0 reference library itself (embedded, fresh environment).

Examples:
  guoku load compare --self-test
  guoku load compare --baseline http://10.0.0.5:8190 --candidate http://10.0.0.6:8190 --env ./env \\
      --mix december-peak --users 8 --rounds 5
"""

EPILOG_CALIBRATE = """\
Measures each operation's service time (closed model, --concurrency callers, default 1) and
writes the guoku-service-times/1 file that `guoku simulate` reads in model mode. Without
--target it calibrates an embedded 1.0 and 2.0 reference library into one file.

Examples:
  guoku load calibrate --file service-times.json
  guoku load calibrate --target http://127.0.0.1:8190 --env ./env --profile 2.0 --file times.json
"""


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _usage(message: str) -> int:
    print(f"guoku load: {message}", file=sys.stderr)
    return EXIT_USAGE


def _workload(parser: argparse.ArgumentParser, *, duration: float, model: bool = True) -> None:
    parser.add_argument("--env", type=Path, metavar="DIR", help="the environment of the target's parties")
    parser.add_argument(
        "--mix", default="normal-day", help="a mix of loadtests/mixes or a TOML path (normal-day)"
    )
    if model:
        how = parser.add_mutually_exclusive_group()
        how.add_argument("--rate", type=float, metavar="R", help="open model: vouchers/s offered")
        how.add_argument("--users", type=int, metavar="N", help="closed model: concurrent cases")
    parser.add_argument(
        "--duration", type=float, default=duration, metavar="S", help=f"steady state ({duration:g})"
    )
    parser.add_argument("--warmup", type=float, default=3.0, metavar="S", help="warm-up, not counted (3)")
    parser.add_argument(
        "--cooldown",
        type=float,
        default=15.0,
        metavar="S",
        help="at most S for the cases in flight to finish, not counted; the run ends when they have (15)",
    )
    parser.add_argument(
        "--workers", type=int, default=0, metavar="W", help="Locust master + W workers (0: one process)"
    )
    parser.add_argument(
        "--remote-workers",
        type=int,
        default=0,
        metavar="N",
        help="also expect N Locust workers started on other machines (docs/load.md)",
    )
    parser.add_argument(
        "--master-port", type=int, default=0, metavar="P", help="the master's port (any free)"
    )
    parser.add_argument(
        "--desks", type=int, default=16, metavar="N", help="Locust users per party role and worker (16)"
    )
    parser.add_argument(
        "--pool", type=int, metavar="N", help="cases to pre-build (default: sized for the run)"
    )
    parser.add_argument(
        "--business-date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD", help="voucher dates (today)"
    )
    parser.add_argument(
        "--max-failure-rate", type=float, default=0.01, metavar="P", help="failures gate (0.01)"
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="where the reports go (default: a new temp dir)"
    )
    parser.add_argument("--json", action="store_true", help="the result as JSON on stdout")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "load",
        help="load-test a voucher library (Locust): run, compare 1.0 with 2.0, calibrate",
        description="Load tests of a voucher library through its SOAP interface, with Locust.",
    )
    sub = parser.add_subparsers(dest="load_command", metavar="SUBCOMMAND", required=True)
    formatter = argparse.RawDescriptionHelpFormatter

    run = sub.add_parser(
        "run",
        help="one load run with validity gates",
        epilog=EPILOG_RUN,
        formatter_class=formatter,
        description="One load run of a mix against a target, then the validity gates.",
    )
    run.add_argument("--target", metavar="URL", help="the library (default: an embedded reference)")
    run.add_argument("--profile", choices=("1.0", "2.0"), default="2.0", help="the client generation (2.0)")
    run.add_argument(
        "--target-pid", type=int, metavar="PID", help="the target's process, for CPU per voucher"
    )
    _workload(run, duration=30.0)
    run.set_defaults(func=_run)

    cmp = sub.add_parser(
        "compare",
        help="baseline against candidate in alternating rounds",
        epilog=EPILOG_COMPARE,
        formatter_class=formatter,
        description="The same workload against two targets.",
    )
    cmp.add_argument("--baseline", metavar="URL", help="e.g. the 1.0 deployment")
    cmp.add_argument("--candidate", metavar="URL", help="e.g. the 2.0 deployment")
    cmp.add_argument("--baseline-profile", choices=("1.0", "2.0"), default="1.0", help="(1.0)")
    cmp.add_argument("--candidate-profile", choices=("1.0", "2.0"), default="2.0", help="(2.0)")
    cmp.add_argument("--baseline-pid", type=int, metavar="PID", help="baseline's process (CPU per voucher)")
    cmp.add_argument("--candidate-pid", type=int, metavar="PID", help="candidate's process")
    cmp.add_argument("--rounds", type=int, default=3, metavar="K", help="alternating rounds (3)")
    cmp.add_argument(
        "--self-test", action="store_true", help="start a 1.0 and a 2.0 reference and compare them"
    )
    _workload(cmp, duration=10.0)
    cmp.set_defaults(func=_compare)

    cal = sub.add_parser(
        "calibrate",
        help="per-operation service times for `guoku simulate`",
        epilog=EPILOG_CALIBRATE,
        formatter_class=formatter,
        description="Measure service times per operation.",
    )
    cal.add_argument("--target", metavar="URL", help="the library (default: embedded 1.0 and 2.0 references)")
    cal.add_argument("--profile", choices=("1.0", "2.0"), default="2.0", help="the client generation (2.0)")
    cal.add_argument("--concurrency", type=int, default=1, metavar="N", help="callers at once (1)")
    cal.add_argument("--file", type=Path, default=Path("service-times.json"), help="(service-times.json)")
    _workload(cal, duration=20.0, model=False)
    cal.set_defaults(func=_calibrate)


def _tag() -> str:
    """Four base-36 characters of the clock: a new target may keep earlier runs' VoucherNos."""
    n, digits = int(time.time()) % 36**4, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "".join(digits[(n // 36**i) % 36] for i in (3, 2, 1, 0))


def _config(args: argparse.Namespace, target: str, env: Path, profile: str, *, users: int | None = None):
    from loadtests.config import RunConfig
    from loadtests.mix import load_mix

    mix = load_mix(args.mix)
    users = users if users is not None else getattr(args, "users", None)
    rate = getattr(args, "rate", None)
    model = "closed" if users is not None else "open"
    if (rate is not None and rate <= 0) or (users is not None and users < 1):
        raise ValueError("--rate must be positive and --users at least 1")
    if (
        args.duration <= 0
        or min(args.warmup, args.cooldown, args.workers, args.remote_workers) < 0
        or args.desks < 1
    ):
        raise ValueError(
            "--duration must be positive; --warmup, --cooldown, --workers not negative; --desks ≥ 1"
        )
    return RunConfig(
        target=target.rstrip("/"),
        env_dir=str(env),
        mix=mix.source,
        profile=profile,
        model=model,
        rate=rate or mix.rate,
        users=users or 0,
        batch_size=mix.batch_for(profile),
        duration=args.duration,
        warmup=args.warmup,
        cooldown=args.cooldown,
        workers=args.workers,
        remote_workers=args.remote_workers,
        master_port=args.master_port,
        desks=max(args.desks, users or 0),
        roles=(),
        business_date=(args.business_date or dt.date.today()).isoformat(),
        tag=_tag(),
    )


@contextlib.contextmanager
def _references(home: Path, profiles: tuple[str, ...]) -> Iterator[tuple[Path, dict[str, str]]]:
    """Fresh environment and one embedded reference library per profile (as `guoku demo` starts one)."""
    from evoucher.pki.builder import create_environment
    from guoku.commands.demo import embedded_library

    env = create_environment(home / "env", scenario="tiny", seed=7)
    with contextlib.ExitStack() as stack:
        urls = {}
        for profile in profiles:
            db = f"sqlite:///{home / f'library-{profile}.db'}"
            urls[profile], _library = stack.enter_context(embedded_library(env.root, db, profile=profile))
            _say(f"reference library {profile} (embedded, {db}) listening on {urls[profile]}")
        yield env.root, urls


def _env(args: argparse.Namespace) -> Path:
    """The environment given with --target; a missing or wrong one is a usage error (ValueError)."""
    from evoucher.pki.environment import MANIFEST

    if args.env is None:
        raise ValueError("--env DIR is needed with a target: the certificates its parties call with")
    if not (args.env / MANIFEST).is_file():
        raise ValueError(
            f"{args.env} is not a guoku environment (no {MANIFEST}); make one with `guoku env init`"
        )
    return args.env


def _home(args: argparse.Namespace) -> Path:
    """A new directory for this command's environment, databases and (without --out) reports."""
    return Path(tempfile.mkdtemp(prefix="guoku-load-"))


_Work = Callable[[argparse.Namespace, contextlib.ExitStack, Path, Path], int]


def _guarded(args: argparse.Namespace, command: str, harness_failed: str, work: _Work) -> int:
    """`work(args, stack, home, out)` with the exit codes of every subcommand: a bad mix or option is a
    usage error (2), a harness that fails gives no verdict (1)."""
    from loadtests.engine import RunError
    from loadtests.mix import MixError, load_mix

    home = _home(args)
    try:
        load_mix(args.mix)  # a bad mix is a usage error before anything starts
        with contextlib.ExitStack() as stack:
            return work(args, stack, home, args.out or home / "report")
    except (ValueError, MixError) as exc:
        return _usage(str(exc))
    except RunError as exc:
        print(f"guoku load {command}: {harness_failed}: {exc}", file=sys.stderr)
        return EXIT_FAIL


def _verdict(args: argparse.Namespace, result: Any, summary: Callable[[Any], str]) -> int:
    """The result on stdout (JSON with --json), and the exit code its gates give."""
    print(json.dumps(result.to_json(), indent=2, ensure_ascii=False) if args.json else summary(result))
    return EXIT_OK if result.passed else EXIT_FAIL


def _run(args: argparse.Namespace) -> int:
    return _guarded(args, "run", "the harness failed, no verdict on the target", _measure)


def _measure(args: argparse.Namespace, stack: contextlib.ExitStack, home: Path, out: Path) -> int:
    from loadtests.outcome import measure
    from loadtests.report import summary

    if args.target:
        target, env, pid = args.target, _env(args), args.target_pid
    else:
        env, urls = stack.enter_context(_references(home, (args.profile,)))
        target, pid = urls[args.profile], os.getpid()
    config = _config(args, target, env, args.profile)
    result = measure(
        config, out, max_failure_rate=args.max_failure_rate, pool=args.pool, target_pid=pid, listener=_say
    )
    return _verdict(args, result, summary)


def _compare(args: argparse.Namespace) -> int:
    if args.rounds < 1:
        return _usage("--rounds must be at least 1")
    if not args.self_test and not (args.baseline and args.candidate):
        return _usage("give --baseline URL and --candidate URL, or --self-test")
    return _guarded(args, "compare", "the harness failed, no verdict", _alternate)


def _alternate(args: argparse.Namespace, stack: contextlib.ExitStack, home: Path, out: Path) -> int:
    from loadtests.compare import Side, compare, summary

    users = None if args.rate is not None else (args.users or 4)
    if args.self_test:
        env, urls = stack.enter_context(_references(home, ("1.0", "2.0")))
        baseline = Side("baseline", urls["1.0"], "1.0", os.getpid())
        candidate = Side("candidate", urls["2.0"], "2.0", os.getpid())
    else:
        env = _env(args)
        baseline = Side("baseline", args.baseline.rstrip("/"), args.baseline_profile, args.baseline_pid)
        candidate = Side("candidate", args.candidate.rstrip("/"), args.candidate_profile, args.candidate_pid)
    template = _config(args, baseline.target, env, baseline.profile, users=users)
    result = compare(
        baseline,
        candidate,
        template,
        out,
        rounds=args.rounds,
        pool=args.pool,
        max_failure_rate=args.max_failure_rate,
        listener=_say,
    )
    return _verdict(args, result, summary)


def _calibrate(args: argparse.Namespace) -> int:
    if args.concurrency < 1:
        return _usage("--concurrency must be at least 1")
    return _guarded(args, "calibrate", "the harness failed", _service_times)


def _service_times(args: argparse.Namespace, stack: contextlib.ExitStack, home: Path, out: Path) -> int:
    from loadtests.calibrate import calibrate
    from loadtests.report import summary

    if args.target:
        env, targets = _env(args), {args.profile: args.target}
    else:
        env, targets = stack.enter_context(_references(home, ("1.0", "2.0")))
    for profile, target in targets.items():
        config = _config(args, target, env, profile, users=args.concurrency)
        result, document = calibrate(config, out / profile, args.file, listener=_say)
        if document is None:
            print(summary(result))
            print(f"guoku load calibrate: gates failed at {target}; {args.file} not written", file=sys.stderr)
            return EXIT_FAIL
        ops = document["profiles"][profile]["operations"]
        _say(f"calibrated {profile}: " + ", ".join(f"{op} p50 {v['p50_ms']:.1f} ms" for op, v in ops.items()))
    print(json.dumps(document, ensure_ascii=False) if args.json else f"wrote {args.file}")
    return EXIT_OK
