"""Validity gates: a run counts only if the target kept what it acknowledged.

After the load, the target is asked (as each party, through `mocks`' client) for what is still
waiting to be read and for the status of every voucher it acknowledged; with what the desks saw
during the run, each gate is judged:

- failures     the share of failed requests is under the threshold;
- pool         the pre-built pool lasted until the end of the dispatch;
- finished     every case released finished its lifecycle (or failed) within the cool-down:
               statuses are final; a target that falls behind the offered load fails here;
- no-loss      every acknowledged send (voucher or receipt) was handed to its reader;
- no-duplicate no document was handed over twice by readVoucher;
- stamps       every document arrived with a stamp at each of its positions, and samples
               (kept reads, unread leftovers) verify (SM2, the CA, the profile's seal policy);
- statuses     every status the target reported, during the run and after it, is the one
               the acknowledged steps imply (1.0/2.0 status codes, VL-LIB-035).

A failed gate fails the run whatever its speed.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass

from evoucher import registry
from evoucher.codec import parse_mof
from evoucher.interface import VoucherStatus
from loadtests.cases import READ_COUNT, RECEIPTED, SENT, STATUS_AFTER, Case, party_client
from loadtests.engine import Collected

MAX_EXAMPLES = 5
SAMPLES_PER_READER = 4  # documents still unread after the run whose stamps are verified too
MAX_VERIFIED = 12  # documents whose stamps are verified in full (SM2), at most


@dataclass(frozen=True)
class Gate:
    name: str
    passed: bool
    detail: str
    examples: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def _gate(name: str, problems: list[str], ok_detail: str, bad_detail: str) -> Gate:
    if not problems:
        return Gate(name, True, ok_detail)
    return Gate(name, False, bad_detail.format(n=len(problems)), tuple(problems[:MAX_EXAMPLES]))


def expected_statuses(case: Case, acked: int, attempted: int) -> dict[str, frozenset[int]]:
    """VoucherNo -> statuses the sender may see, from the steps the target acknowledged.

    A step that was sent but not answered (in flight when the run stopped, or refused) may or
    may not have happened, so its outcome is allowed too.
    """
    steps = case.steps
    allowed: dict[str, frozenset[int]] = {}
    for step in steps[:acked]:
        if step.effect:
            allowed.update((no, STATUS_AFTER[step.effect]) for no in step.nos)
    if attempted > acked and acked < len(steps) and (step := steps[acked]).effect:
        for no in step.nos:
            allowed[no] = allowed.get(no, frozenset()) | STATUS_AFTER[step.effect]
    return allowed


def _acknowledged(case: Case, acked: int, effect: str) -> set[str]:
    return {no for s in case.steps[:acked] if s.effect == effect for no in s.nos}


class _Target:
    """The target as the run's parties, for the questions asked after the load."""

    def __init__(self, collected: Collected) -> None:
        from evoucher.pki import load_environment

        self.config = collected.config
        self.env = load_environment(self.config.env_dir)
        self.year = int(self.config.business_date[:4])
        self.adm = collected.mix.adm_div_code
        self._clients: dict = {}

    def call(self, handle: str, operation: str, *args):
        if handle not in self._clients:
            self._clients[handle] = party_client(self.env, handle, self.config.target, timeout=120)
        return self._clients[handle].call(operation, *args)

    def drain(self, handle: str, vt_code: str) -> list:
        """Everything `handle` has not signed for of `vt_code`, read before or not (readVoucherAgain).

        It hands over up to 100, oldest first, and again until signed for; so this reads once and
        then asks readVoucher for the rest (never handed over), until that runs dry.
        """
        data = self.call(handle, "readVoucherAgain", self.adm, self.year, vt_code, READ_COUNT)
        bodies = parse_mof(data) if data else []
        for _ in range(1000):
            data = self.call(handle, "readVoucher", self.adm, self.year, vt_code, READ_COUNT)
            got = parse_mof(data) if data else []
            bodies += got
            if len(got) < READ_COUNT:
                break
        return bodies

    def statuses(self, handle: str, vt_code: str, nos: list[str], dest_org: str) -> dict[str, int]:
        out = {}
        for i in range(0, len(nos), 100):
            answer = self.call(handle, "queryVoucherStatusByOrgType", self.adm, self.year, vt_code,
                               nos[i : i + 100], dest_org)  # fmt: skip
            out.update((no, code) for no, (code, _text) in answer.items())
        return out

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def judge(collected: Collected, *, max_failure_rate: float = 0.01) -> list[Gate]:
    """Every gate of a run (asks the target after the load; it must still be up)."""
    cases = collected.cases
    progress = {cid: p for s in collected.seen for cid, p in s.progress.items()}
    requests = [r for s in collected.seen for r in s.requests]
    gates = []
    failed = [r for r in requests if not r[5]]
    rate = len(failed) / len(requests) if requests else 0.0
    reasons = Counter(f"{r[0]}: {r[6]}" for r in failed)
    gates.append(Gate(
        "failures", bool(requests) and rate <= max_failure_rate,
        f"{len(failed)} of {len(requests)} requests failed ({rate:.2%}; threshold {max_failure_rate:.2%})",
        tuple(f"{n}× {why}" for why, n in reasons.most_common(MAX_EXAMPLES)),
    ))  # fmt: skip
    exhausted = [s.pool_exhausted_at - s.started_at for s in collected.seen if s.pool_exhausted_at]
    gates.append(Gate(
        "pool", not exhausted,
        f"the pre-built pool ran out {min(exhausted):.1f} s into the run: the run measured the pool, not "
        "the target; give a larger --pool" if exhausted else "the pre-built pool lasted the whole dispatch",
    ))  # fmt: skip

    unfinished = sorted((p.entered_at, cid) for cid, p in progress.items() if not p.finished_at)
    gates.append(Gate(
        "finished", not unfinished,
        f"{len(unfinished)} of {len(progress)} cases released did not finish their lifecycle within the "
        f"{collected.config.cooldown:g} s cool-down: the target fell behind the offered load"
        if unfinished else f"all {len(progress)} cases released finished their lifecycle",
        tuple(_stuck(cases[cid], progress[cid]) for _, cid in unfinished[:MAX_EXAMPLES]),
    ))  # fmt: skip

    target = _Target(collected)
    try:
        delivered = [d for s in collected.seen for d in s.delivered]
        mofs = [m for s in collected.seen for m in s.mofs]
        samples = [b for m in mofs for b in parse_mof(m)]
        readers = {(c.receiver, c.vt_code) for c in cases.values() if c.id in progress}
        readers |= {(c.sender, c.vt_code) for c in cases.values() if c.id in progress}
        for handle, vt_code in sorted(readers):
            role = target.env.party(handle).role
            drained = target.drain(handle, vt_code)
            samples += drained[:SAMPLES_PER_READER]
            delivered += [(role, b.vt_code, b.voucher_no, b.voucher_flag, tuple(s.position for s in b.stamps),
                           False) for b in drained]  # fmt: skip
        gates += _delivery_gates(collected, progress, delivered)
        gates.append(_stamps(collected, delivered, samples[:MAX_VERIFIED], target.env))
        gates.append(_statuses(collected, progress, requests, target))
    finally:
        target.close()
    return gates


def _stuck(case: Case, p) -> str:
    step = case.steps[p.acked] if p.acked < len(case.steps) else None
    where = f"waiting for {step.operation}" if step else "after its last step"
    return f"{case.vt_code} case {case.nos[0]}: {p.acked} of {len(case.steps)} steps answered, {where}"


def _delivery_gates(collected: Collected, progress: dict, delivered: list[tuple]) -> list[Gate]:
    ours = {(c.vt_code, no) for c in collected.cases.values() for no in c.nos}
    reached = {(d[0], d[1], d[2], d[3]) for d in delivered if (d[1], d[2]) in ours}
    counts = Counter((d[0], d[1], d[2], d[3]) for d in delivered if (d[1], d[2]) in ours and d[5])
    lost, expected = [], 0
    for case_id, p in progress.items():
        case = collected.cases[case_id]
        roles = {0: case.stages[1].role, 1: case.stages[0].role}  # who reads the voucher, the receipt
        for flag, effect in ((0, SENT), (1, RECEIPTED)):
            for no in sorted(_acknowledged(case, p.acked, effect)):
                expected += 1
                if (roles[flag], case.vt_code, no, flag) not in reached:
                    what = "receipt" if flag else "voucher"
                    lost.append(f"{case.vt_code}/{no} {what}: acknowledged, never handed to {roles[flag]}")
    twice = [f"{vt}/{no} flag {flag}: handed to {role} {n} times by readVoucher"
             for (role, vt, no, flag), n in sorted(counts.items()) if n > 1]  # fmt: skip
    return [
        _gate("no-loss", lost, f"all {expected} acknowledged documents were handed to their readers",
              "{n} acknowledged documents never reached their readers"),
        _gate("no-duplicate", twice, f"{sum(counts.values())} deliveries, none twice",
              "{n} documents were delivered more than once"),
    ]  # fmt: skip


def _stamps(collected: Collected, delivered: list[tuple], samples: list, env) -> Gate:
    from evoucher.seal.policy import DEFAULT
    from evoucher.stamp import verify_body

    ours = {(c.vt_code, no) for c in collected.cases.values() for no in c.nos}
    problems = []
    for _role, vt, no, flag, positions, _once in delivered:
        if (vt, no) not in ours:
            continue
        wanted = {p.id for p in registry.get(vt).positions_for(flag)}
        if missing := wanted - set(positions):
            problems.append(f"{vt}/{no} flag {flag}: arrived without stamps at {', '.join(sorted(missing))}")
    policy = dataclasses.replace(DEFAULT, profile=collected.config.profile)
    verified = 0
    for body in samples:
        if (body.vt_code, body.voucher_no) not in ours:
            continue
        required = [p.id for p in registry.get(body.vt_code).positions_for(body.voucher_flag)]
        reports = verify_body(body, trust_anchors=env.trust_anchors, crls=env.crls, policy=policy,
                              required_positions=required)  # fmt: skip
        verified += 1
        problems += [f"{body.vt_code}/{body.voucher_no} at {r.position}: {r.failure_msg}"
                     for r in reports if not r.passed]  # fmt: skip
    return _gate("stamps", problems,
                 f"every delivered document carried all its positions; {verified} sampled documents verify",
                 "{n} stamp problems")  # fmt: skip


def _statuses(collected: Collected, progress: dict, requests: list[tuple], target: _Target) -> Gate:
    problems = [f"during the run, {r[0]}: {r[6]}" for r in requests if r[6].startswith("status of")]
    groups: dict[tuple, dict[str, frozenset[int]]] = {}
    for case_id, p in progress.items():
        case = collected.cases[case_id]
        allowed = expected_statuses(case, p.acked, p.attempted)
        if allowed:
            groups.setdefault((case.sender, case.vt_code, case.dest_org), {}).update(allowed)
    checked = 0
    for (sender, vt, dest), allowed in sorted(groups.items()):
        got = target.statuses(sender, vt, sorted(allowed), dest)
        for no, codes in sorted(allowed.items()):
            checked += 1
            if got.get(no) not in codes:
                names = "/".join(f"{c} {VoucherStatus(c).zh}" for c in sorted(codes))
                problems.append(f"{vt}/{no}: the target says {got.get(no)}, the lifecycle says {names}")
    return _gate("statuses", problems, f"{checked} vouchers' statuses match their lifecycle after the run",
                 "{n} statuses disagree with what happened")  # fmt: skip
