"""`guoku demo` through guoku.cli.main: the embedded day, a separately started `guoku serve` by URL,
progress on stderr, the report files, and usage errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from evoucher.pki.builder import create_environment
from guoku.cli import main


def run(capsys, *argv):
    code = main(["demo", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--target", "http://127.0.0.1:9"], "--target and --env go together"),
        (["--tips-failure-rate", "1.5"], "--tips-failure-rate"),
    ],
)
def test_usage_errors_exit_2(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err


def test_an_environment_that_is_not_one_is_a_usage_error(capsys, tmp_path):
    code, _, err = run(capsys, "--target", "http://127.0.0.1:9", "--env", str(tmp_path))
    assert code == 2 and "not a guoku environment" in err


def test_the_embedded_day_runs_every_flow_and_every_invariant_holds(capsys, tmp_path):
    code, out, err = run(capsys, "--json", "--out", str(tmp_path / "report"), "--tips-latency", "0")
    report = json.loads(out)
    assert code == 0 and report["ok"], [v for v in report["verdicts"] if not v["ok"]]
    assert all(v["ok"] is True for v in report["verdicts"])  # the audit trail too: the library is ours
    flows = {f["flow"]: f for f in report["flows"]}
    assert flows["实拨 5207"]["failed"] == 1 and flows["授权支付 8202"]["returned"] >= 1
    assert flows["半级财政 5207"]["returned"] == 1 and sum(f["pending"] for f in flows.values()) == 0
    assert "[ 1/12] 预算指标与用款计划 5106/5108" in err and "[12/12]" in err  # progress, line per phase
    assert re.search(r"reference library \(embedded, sqlite:///\S+library\.db\) listening", err)
    files = report["files"]
    assert set(files) == {"summary", "json", "board"}
    assert "ALL INVARIANTS HOLD" in (tmp_path / "report/summary.txt").read_text(encoding="utf-8")
    board = (tmp_path / "report/board.html").read_text(encoding="utf-8")
    returned = sum(f["returned"] for f in flows.values())
    assert "<h2>Status board</h2>" in board and board.count("<tr class='returned'>") == returned


@pytest.fixture
def served(tmp_path):
    """`guoku serve` started as a process of its own, on a free port; yields (URL, env dir)."""
    env_dir = tmp_path / "env"
    create_environment(env_dir, scenario="tiny", seed=11)
    command = [sys.executable, "-m", "guoku", "serve", "--env", str(env_dir), "--port", "0",
               "--db", f"sqlite:///{tmp_path / 'served.db'}"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, url = time.monotonic() + 30, None
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            found = re.search(r"listening on (http://\S+)", line)
            url = found.group(1) if found else None
            assert line or process.poll() is None, "guoku serve exited before it listened"
        assert url, "guoku serve did not say where it listens"
        yield url, env_dir
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_same_parties_drive_a_separately_started_guoku_serve_in_rpc_encoded(capsys, served, tmp_path):
    url, env_dir = served
    argv = ("--target", url, "--env", str(env_dir), "--json", "--out", str(tmp_path / "r"))
    code, out, err = run(capsys, *argv, "--wire", "encoded")
    report = json.loads(out)
    assert "SOAP dialect of every party: encoded" in err
    assert code == 0 and report["ok"] and report["target"] == url
    audit = next(v for v in report["verdicts"] if v["name"] == "audit trail verifies")
    assert audit["ok"] is None  # a library reached by URL only: its audit trail is not ours to read
    assert sum(f["sent"] for f in report["flows"]) > 30
    assert {row["status"] for row in report["board"]} <= {3, 5, 9, 12}  # signed for, returned, answered


@pytest.fixture(scope="module")
def tiny_envs(tmp_path_factory):
    """Two unrelated environments: the parties hold certificates of the first only."""
    root = tmp_path_factory.mktemp("envs")
    for name, seed in (("ours", 21), ("theirs", 22)):
        create_environment(root / name, scenario="tiny", seed=seed)
    return root / "ours", root / "theirs"


def test_an_unreachable_library_is_a_line_in_the_report_and_exit_1(capsys, tiny_envs, tmp_path):
    code, out, err = run(capsys, "--target", "http://127.0.0.1:9", "--env", str(tiny_envs[0]),
                         "--out", str(tmp_path / "r"))  # fmt: skip
    assert code == 1 and "Traceback" not in out + err
    assert "FAIL no party errors" in out and "the library at http://127.0.0.1:9 is unreachable" in out


def test_a_library_that_refuses_every_party_is_a_line_in_the_report_and_exit_1(capsys, tiny_envs, tmp_path):
    from guoku.commands.demo import embedded_library

    with embedded_library(tiny_envs[1], f"sqlite:///{tmp_path / 'lib.db'}") as (url, _):
        code, out, err = run(
            capsys, "--target", url, "--env", str(tiny_envs[0]), "--out", str(tmp_path / "r")
        )
    assert code == 1 and "Traceback" not in out + err
    assert re.search(r"(the day stopped|no status board): the library refused \w+: EVS112#", out), out
