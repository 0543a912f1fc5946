"""Durability across a restart (`restart_cmd`): the reference keeps what it acknowledged, and a library
that loses it after a restart fails, naming VL-LIB-061.

The restart is real where it matters: the library's store is closed and opened again (as after a
process restart, the SQLite file is read back); the declared command only signals it.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from conformance.declaration import Declaration
from tests.conformance.conftest import certify
from tests.conformance.defects import status_rewrite
from tests.conformance.faulty import Defect, Faulty
from voucherlib.app import create_app
from voucherlib.loopback import serve_in_thread
from voucherlib.settings import Settings

CHECK = "durability.acknowledged-survives-restart"


class Restartable:
    """The reference app; when `flag` appears, its library (store included) is closed and opened again."""

    def __init__(self, app, flag: Path) -> None:
        self.app, self.flag = app, flag

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and self.flag.exists():
            self.flag.unlink()
            library = self.app.state.library
            await run_in_threadpool(library.close)
            await run_in_threadpool(library.open)
        await self.app(scope, receive, send)


def _run(env_dir: Path, tmp_path: Path, defect: Defect | None = None) -> dict:
    flag = tmp_path / "restart"
    command = shlex.join([sys.executable, "-c", f"open({str(flag)!r}, 'w').close()"])
    app = Restartable(create_app(Settings(env_dir=env_dir, db_url=f"sqlite:///{tmp_path}/lib.db")), flag)
    with serve_in_thread(Faulty(app, defect) if defect else app) as url:
        report = certify(url, env_dir, only=(CHECK,), restart_cmd=command)
    assert Declaration(restart_cmd=command).has("restart")
    return {r["check"]: r for r in report["results"]}[CHECK]


def test_reference_keeps_what_it_acknowledged_across_a_restart(env_dir, tmp_path):
    result = _run(env_dir, tmp_path)
    assert result["outcome"] == "passed", result["message"]
    assert result["detail"]["restart"]["exit"] == 0


def test_library_losing_vouchers_on_restart_fails(env_dir, tmp_path):
    flag = tmp_path / "restart"
    lose = status_rewrite("queryVoucherStatusByOrgType", 0, -1)

    def after_restart(service, op, request, status, body):
        return (
            lose(service, op, request, status, body)
            if not flag.exists() and flag.with_suffix(".seen").exists()
            else (status, body)
        )

    def note_restart(service, op, body):
        if flag.exists():
            flag.with_suffix(".seen").touch()
        return body

    defect = Defect(
        "loses vouchers on restart", "VL-LIB-061", (CHECK,), request=note_restart, response=after_restart
    )
    result = _run(env_dir, tmp_path, defect)
    assert result["outcome"] == "failed" and result["broken_requirements"] == ["VL-LIB-061"], result[
        "message"
    ]
