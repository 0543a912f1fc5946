"""Durability visible from outside: what the target acknowledged survives its own restart, when the
vendor declares a restart command (`restart_cmd`); otherwise NOT APPLICABLE."""

from __future__ import annotations

import shlex
import subprocess
import time

from conformance.catalogue import requirement
from conformance.context import Ctx
from conformance.failures import Failure, Skipped
from conformance.steps import VT, Cast, expect_status, read, written_and_sent
from mocks import LibraryError

RESTART_TIMEOUT = 60.0


def _restart(ctx: Ctx) -> None:
    command = ctx.target.declaration.restart_cmd or ""
    done = subprocess.run(
        shlex.split(command), capture_output=True, text=True, timeout=RESTART_TIMEOUT, check=False
    )
    ctx.notes["restart"] = {"command": command, "exit": done.returncode, "stderr": done.stderr[-500:]}
    if done.returncode != 0:
        raise Skipped(f"the declared restart command failed (exit {done.returncode}): {done.stderr[-200:]}")
    client = ctx.client(ctx.party("finance"))
    deadline = time.monotonic() + RESTART_TIMEOUT
    while True:
        try:
            client.query_voucher_type(ctx.adm, ctx.year)
            return
        except LibraryError:
            if time.monotonic() > deadline:
                raise Skipped(
                    f"the target did not answer within {RESTART_TIMEOUT:.0f} s of its restart"
                ) from None
            time.sleep(0.2)


@requirement("VL-LIB-061", "VL-STORE-018", needs=["restart"])
def acknowledged_survives_restart(ctx: Ctx) -> None:
    """The last voucher acknowledged before a restart is there after it, byte for byte, with its status."""
    cast = Cast.of(ctx)
    vouchers = [written_and_sent(ctx, cast) for _ in range(3)]
    _restart(ctx)
    for v in vouchers:
        expect_status(
            ctx,
            cast.finance,
            VT,
            v.voucher_no,
            "001",
            0,
            when="after the target restarted",
            requirement="VL-LIB-061",
        )
    last = vouchers[-1]
    got = read(ctx, cast.pboc, VT, last.voucher_no)
    if got is None or got.voucher != last.raw:
        raise Failure(
            f"the last acknowledged voucher {last.voucher_no} is lost or changed after the restart",
            requirement="VL-LIB-061",
        )
