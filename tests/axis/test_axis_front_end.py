"""A real Apache Axis 1.4 client (tests/axis/java/AxisFrontEnd.java) against the reference library.

The Java client is written the way treasury front ends are: `Call.invoke(new Object[]{…})` with no
WSDL, certID `001` as the PBoC's front end sends it, results cast to byte[], Map, Integer or
nothing. It is compiled once per session (javac against Debian's libaxis-java) and fed one call
per line; each answer comes back as a JSON line naming the Java class Axis produced. Faults come
back as `AxisFault.getFaultString()`, where front ends look for `EVSnnn#`.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from evoucher.codec import parse_mof
from evoucher.interface import CBANK, FINANCE, OPERATION_BY_NAME, Operation, operations_for
from evoucher.pki import load_environment
from evoucher.pki.builder import create_environment
from evoucher.seal import load_signature
from mocks import VoucherLibraryClient
from tests.voucherlib.service.support import (
    ADM,
    BUSINESS_DATE,
    FINANCE_POSITIONS,
    PBOC,
    RECEIPT_POSITIONS,
    YEAR,
    body,
    mof,
    positions_xml,
    receipt_of,
    voucher,
)
from tests.voucherlib.soap.support import RecordingHandler, make_app, sample_args, sample_result, serve

SOURCE = Path(__file__).parent / "java" / "AxisFrontEnd.java"
JARS = ("axis.jar", "jaxrpc.jar", "saaj.jar", "commons-logging.jar", "commons-discovery.jar", "wsdl4j.jar")
JAVA_LIB = Path("/usr/share/java")
KIND = {"void": "void", "int": "int", "base64Binary": "bytes", "Map": "map", "StatusMap": "map"}
FINANCE_HANDLE = "hz-finance"


@pytest.fixture(scope="session")
def front_end(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The `java` command line running the compiled front end (compiled once per session)."""
    missing = [jar for jar in JARS if not (JAVA_LIB / jar).is_file()]
    if shutil.which("javac") is None or missing:
        pytest.fail(f"a JDK and libaxis-java are needed (missing: javac? {missing}): run `make system-deps`")
    classes = tmp_path_factory.mktemp("axis-classes")
    classpath = os.pathsep.join(str(JAVA_LIB / jar) for jar in JARS)
    subprocess.run(
        ["javac", "-nowarn", "-d", str(classes), "-cp", classpath, str(SOURCE)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return ["java", "-cp", os.pathsep.join((str(classes), classpath)), "AxisFrontEnd"]


def _token(op: Operation, index: int, value: Any) -> str:
    kind = op.params[index].type
    if kind == "int":
        return f"i:{value}"
    if kind == "base64Binary":
        return "b:" + base64.b64encode(value).decode()
    if kind == "ArrayOf_xsd_string":
        return "a:" + ",".join(quote(item, safe="") for item in value)
    return "s:" + quote(value, safe="")


def line(service: str, operation: str, *values: Any) -> str:
    """One call for the front end: every wire argument, certID included, in catalogue order."""
    op = OPERATION_BY_NAME[operation]
    tokens = [_token(op, i, v) for i, v in enumerate(values)]
    return "\t".join((service, operation, KIND[op.returns], *tokens))


def run_front_end(
    command: list[str], base_url: str, lines: Sequence[str], *mode: str
) -> list[dict[str, Any]]:
    done = subprocess.run(
        [*command, base_url, *mode], input="\n".join(lines) + "\n", capture_output=True, timeout=120,
        encoding="utf-8",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answers = [json.loads(out) for out in done.stdout.splitlines()]
    assert len(answers) == len(lines), done.stdout + done.stderr
    return answers


def as_java(value: Any) -> Any:
    """What the front end prints for a value the library returned: base64 for byte[], lists for Object[]."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: as_java(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_java(v) for v in value]
    return value


JAVA_CLASS = {"void": "null", "int": "java.lang.Integer", "base64Binary": "[B"}


@pytest.mark.parametrize("mode", [(), ("rpc",)], ids=["dynamic", "rpc-wsdl"])
def test_every_operation_reaches_the_handler_typed_and_answers_in_java_types(front_end, mode):
    """Every operation of the CBank service, called dynamically (as front ends do) and through Calls
    built from `?wsdl&style=rpc`: Axis's arguments arrive typed, our answers cast cleanly."""
    ops = operations_for(CBANK, "2.0")
    handler = RecordingHandler()
    with serve(make_app(handler, auth="off")) as url:
        calls = [line(CBANK, op.name, "001", *sample_args(op)) for op in ops]
        answers = run_front_end(front_end, url, calls, *mode)
    for op, answer, (service, operation, args, _) in zip(ops, answers, handler.calls, strict=True):
        assert (service, operation) == (CBANK, op.name)
        assert list(args.values()) == ["001", *sample_args(op)], op.name
        assert answer["java"] == JAVA_CLASS.get(op.returns, "java.util.HashMap"), answer
        assert answer["value"] == as_java(sample_result(op)), answer


@pytest.fixture(scope="module")
def env_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("axis-env")
    create_environment(root, scenario="small", seed=20261206)
    return root


@pytest.fixture(params=["2.0", "1.0"], scope="module")
def served(request, env_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """`guoku serve --auth off` of one profile on a free port: (base URL, profile)."""
    profile = request.param
    db = tmp_path_factory.mktemp(f"axis-db-{profile}") / "library.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "guoku", "serve", "--env", str(env_dir), "--profile", profile, "--auth", "off",
         "--port", "0", "--db", f"sqlite:///{db}", "--business-date", BUSINESS_DATE.isoformat()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first = process.stdout.readline()
        assert "listening on " in first, first + process.stderr.read()
        yield first.split("listening on ", 1)[1].split()[0], profile
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_5207_round_trip_with_the_pboc_on_axis(front_end, served, env_dir):
    """Finance (our client) sends two 5207s; the PBoC's Axis front end reads, signs for one, returns
    the other, stamps and sends the receipt, and queries; finance then sees the receipt and the return."""
    url, profile = served
    env = load_environment(env_dir)
    paid, returned = (voucher(seed=seed, profile=profile) for seed in (31, 32))
    with VoucherLibraryClient(url, service=FINANCE, cert_id=env.party(FINANCE_HANDLE).cert_id) as fin:
        for v in (paid, returned):
            xml = positions_xml(env, FINANCE_HANDLE, *FINANCE_POSITIONS)
            fin.sign_stamp_by_nos(ADM, YEAR, "5207", mof(body(v)), xml)
        fin.send_voucher(ADM, "011", "001", YEAR, "5207", [paid.voucher_no, returned.voucher_no])

        receipt = mof(body(receipt_of(paid), 1))
        head = ("001", ADM, YEAR, "5207")
        answers = run_front_end(front_end, url, [
            line(CBANK, "readVoucherAgain", *head, 100),
            line(CBANK, "confirmVoucher", *head, [paid.voucher_no]),
            line(CBANK, "returnVoucher", *head, [returned.voucher_no], ["收款人账号有误"]),
            line(CBANK, "queryStampPositionWithName", *head),
            line(CBANK, "signStampByNos", *head, receipt, positions_xml(env, PBOC, *RECEIPT_POSITIONS)),
            line(CBANK, "sendVoucher", "001", ADM, "001", "011", YEAR, "5207", [paid.voucher_no]),
            line(CBANK, "queryVoucherStatusByOrgType", *head, [paid.voucher_no, "NOSUCH"], "011"),
            line(CBANK, "queryVoucherPrintCount", *head, paid.voucher_no),
            line(CBANK, "confirmVoucher", *head, [returned.voucher_no]),
        ])  # fmt: skip
        read, confirmed, back, positions, stamped, sent, statuses, printed, refused = answers

        assert read["java"] == "[B"
        got = parse_mof(base64.b64decode(read["value"]))
        assert sorted(b.voucher_no for b in got) == sorted([paid.voucher_no, returned.voucher_no])
        assert {b.voucher for b in got} == {paid.raw, returned.raw}  # the exact bytes finance wrote
        assert [a["java"] for a in (confirmed, back, stamped, sent)] == ["null"] * 4
        assert positions["java"] == "java.util.HashMap" and set(RECEIPT_POSITIONS) <= set(positions["value"])
        assert statuses["java"] == "java.util.HashMap"
        assert statuses["value"] == {paid.voucher_no: [6, "回单对方未接收"], "NOSUCH": [-1, "凭证不存在"]}
        assert (printed["java"], printed["value"]) == ("java.lang.Integer", 0)
        assert refused["fault"].startswith("java.lang.Exception: EVS")  # what the front end cuts at

        status = fin.query_voucher_status_by_org_type(
            ADM, YEAR, "5207", [paid.voucher_no, returned.voucher_no], "001"
        )
        assert status == {paid.voucher_no: (12, "已收到对方回单"), returned.voucher_no: (5, "对方已退回")}
        [arrived] = parse_mof(fin.read_voucher_again(ADM, YEAR, "5207", 10))
        assert (arrived.voucher_no, arrived.voucher_flag) == (paid.voucher_no, 1)
        assert sorted(s.position for s in arrived.stamps) == sorted(RECEIPT_POSITIONS)
        assert {load_signature(s.value).version for s in arrived.stamps} == {4 if profile == "2.0" else 1}
