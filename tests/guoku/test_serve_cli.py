"""`guoku serve`: help, usage errors, and a real server process that stops cleanly on a signal."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from evoucher.pki.builder import create_environment
from guoku.cli import main


@pytest.fixture(scope="module")
def env_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("env")
    create_environment(root, scenario="tiny", seed=3)
    return root


def test_help_explains_services_profiles_and_how_to_start(capsys):
    with pytest.raises(SystemExit) as done:
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    for words in ("--env DIR", "--profile {2.0,1.0}", "--db URL", "AsspCBankService", "?wsdl",
                  "guoku env init", "GM/T 0031 v1", "3210", "SIGTERM"):  # fmt: skip
        assert words in out, words


def test_without_an_environment_it_says_how_to_make_one(tmp_path, capsys):
    assert main(["serve", "--env", str(tmp_path / "env")]) == 2
    err = capsys.readouterr().err
    assert "is not a guoku environment" in err and f"guoku env init {tmp_path / 'env'}" in err


def test_a_bad_store_url_is_a_usage_error(env_dir, capsys):
    assert main(["serve", "--env", str(env_dir), "--db", "mysql://x"]) == 2
    assert "db_url must be sqlite:///PATH" in capsys.readouterr().err


def test_a_taken_port_fails_to_start(env_dir, capsys):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert main(["serve", "--env", str(env_dir), "--port", str(port), "--db", "sqlite://"]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def _lines_until(process: subprocess.Popen, pattern: str, timeout: float = 30.0) -> list[str]:
    """stdout lines up to one matching `pattern`, read by a thread (the server keeps running)."""
    found: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in process.stdout:
            found.put(line.rstrip("\n"))
            if re.search(pattern, line):
                return
        found.put(None)

    threading.Thread(target=pump, daemon=True).start()
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = found.get(timeout=deadline - time.monotonic())
        except queue.Empty:
            break
        if line is None:
            break
        lines.append(line)
        if re.search(pattern, line):
            return lines
    raise AssertionError(f"no line matching {pattern!r} in {lines}")


def _start(python: list[str], env_dir, tmp_path, *extra: str) -> subprocess.Popen:
    """`guoku serve` on a free port and a SQLite file in `tmp_path`, as `python [ARGS] serve …` runs it."""
    command = [sys.executable, *python, "serve", "--env", str(env_dir), "--port", "0",
               "--db", f"sqlite:///{tmp_path / 'lib.db'}", *extra]  # fmt: skip
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_prints_where_it_listens_serves_and_stops_cleanly(env_dir, tmp_path, stop):
    process = _start(["-m", "guoku"], env_dir, tmp_path, "--profile", "1.0")
    try:
        lines = _lines_until(process, r"health: ")
        base = re.search(r"listening on (http://127\.0\.0\.1:\d+) \(profile 1\.0", lines[0]).group(1)
        assert [line.strip() for line in lines[1:5]] == [
            f"{base}/realware/services/{name}?wsdl"
            for name in ("AsspFinanceService", "AsspCBankService", "AsspPBankService", "AsspEStampService")
        ]
        assert httpx.get(f"{base}/healthz").json()["status"] == "ok"
        assert b"readVoucherAgain" in httpx.get(f"{base}/realware/services/AsspCBankService?wsdl").content
        process.send_signal(stop)
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert f"guoku serve: stopped ({stop.name})" in out
    assert (tmp_path / "lib.db").exists()


def test_start_up_leaves_the_collector_only_what_requests_make(env_dir, tmp_path):
    """What start-up built lives as long as the process; a full collection must not walk it."""
    watch = (
        "import gc, runpy, sys\n"
        "freeze = gc.freeze\n"
        "def announced():\n"
        "    freeze()\n"
        "    print(f'frozen: {gc.get_freeze_count()} objects', flush=True)\n"
        "gc.freeze = announced\n"
        "sys.argv = ['guoku', *sys.argv[1:]]\n"
        "runpy.run_module('guoku', run_name='__main__')\n"
    )
    process = _start(["-c", watch], env_dir, tmp_path)
    try:
        lines = _lines_until(process, r"listening on ")
        frozen = [int(m.group(1)) for line in lines if (m := re.match(r"frozen: (\d+) objects", line))]
        assert len(frozen) == 1 and frozen[0] > 10_000, lines  # the app, the registry, the modules
        base = re.search(r"listening on (http://127\.0\.0\.1:\d+)", lines[-1]).group(1)
        assert httpx.get(f"{base}/healthz").json()["status"] == "ok"
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0
