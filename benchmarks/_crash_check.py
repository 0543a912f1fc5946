"""What the crash test checks once the kills are over: the wire, the store, the audit chain.

`Acknowledged` is what the clients were told: a call answered is acknowledged, a call cut off by
the kill is in doubt. Acknowledged work must be there, whole; work in doubt may be there or not,
but never in part (a voucher without all its stamps, bytes other than those sent).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

import psycopg

from benchmarks._load import client
from benchmarks._vouchers import ADM, FINANCE, VT, YEAR
from evoucher.codec import MofBody
from voucherlib.lifecycle import DeliveryState
from voucherlib.store import VoucherKey, open_store

if TYPE_CHECKING:
    from benchmarks.crash import Outcome

BATCH = 100  # voucher numbers per status query


@dataclass
class Acknowledged:
    saved: dict[str, MofBody] = field(default_factory=dict)
    sent: set[str] = field(default_factory=set)
    confirmed: set[str] = field(default_factory=set)
    doubt_saved: dict[str, MofBody] = field(default_factory=dict)
    doubt_sent: set[str] = field(default_factory=set)
    doubt_confirmed: set[str] = field(default_factory=set)


async def check_wire(url: str, env, seen: Acknowledged, outcome: Outcome) -> None:
    """Finance asks the library where each voucher it was told it sent stands at the PBoC."""
    nos = sorted(seen.sent)
    async with client(url, env, FINANCE) as fin:
        for i in range(0, len(nos), BATCH):
            statuses = await fin.query_voucher_status_by_org_type(ADM, YEAR, VT, nos[i : i + BATCH], "001")
            for no in nos[i : i + BATCH]:
                code = statuses.get(no, (-1, "missing"))[0]
                wanted = {3} if no in seen.confirmed else {0, 1, 3}
                if code not in wanted:
                    outcome.problems.append(f"wire: {no} has status {code} at the PBoC, expected {wanted}")
    outcome.checked["statuses over the wire"] = len(nos)


def check_store(db: str, seen: Acknowledged, outcome: Outcome) -> None:
    """Every voucher acknowledged or in doubt, read back from the store after the last stop."""

    def facts(q, key):
        version = q.version(key)
        return version, q.deliveries(key)

    whole = 0
    with open_store(db, create=False) as store:
        for no, body in [*seen.saved.items(), *seen.doubt_saved.items()]:
            key = VoucherKey(ADM, YEAR, VT, no, 0)
            version, deliveries = store.query(lambda q, key=key: facts(q, key))
            acked = no in seen.saved
            if version is None:
                if acked:
                    outcome.problems.append(f"store: acknowledged save of {no} is lost")
                elif deliveries:
                    outcome.problems.append(f"store: {no} was never saved but has deliveries")
                continue
            stamps = {(s.position, s.kind, s.data) for s in version.stamps}
            sent = {(s.position, s.kind, s.value) for s in body.stamps}
            if version.body != body.voucher or stamps != sent:
                outcome.problems.append(f"store: {no} is not what was sent (half-visible or changed)")
                continue
            whole += 1
            states = [d.state for d in deliveries]
            if no in seen.sent and len(states) != 1:
                outcome.problems.append(f"store: acknowledged send of {no}: {len(states)} deliveries")
            elif no not in seen.sent | seen.doubt_sent and states:
                outcome.problems.append(f"store: {no} was never sent but has deliveries {states}")
            elif no in seen.confirmed and states != [DeliveryState.SIGNED]:
                outcome.problems.append(f"store: acknowledged sign-for of {no}: states {states}")
    outcome.checked["acknowledged saves"] = len(seen.saved)
    outcome.checked["saves in doubt"] = len(seen.doubt_saved)
    outcome.checked["vouchers whole in the store (bytes and stamps)"] = whole
    outcome.checked["acknowledged sign-fors"] = len(seen.confirmed)


def verify_audit(db: str, outcome: Outcome) -> None:
    done = subprocess.run([sys.executable, "-m", "guoku", "audit", "verify", "--db", db],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    if done.returncode != 0:
        outcome.problems.append(f"guoku audit verify exited {done.returncode}: {done.stdout[-500:]}")
    outcome.checked["audit verify"] = done.returncode == 0


def drop_connections(db: str) -> int:
    """Terminate the PostgreSQL backends named by the URL's application_name (the server's pool)."""
    parts = urlsplit(db)
    name = dict(parse_qsl(parts.query)).get("application_name")
    if not name:
        raise ValueError(f"{db}: dropping connections needs an application_name= in the URL")
    conninfo = parts._replace(query="").geturl()
    with psycopg.connect(conninfo, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", (name,)
        ).fetchall()
    return len(rows)
