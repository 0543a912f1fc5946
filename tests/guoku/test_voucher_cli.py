"""`guoku voucher validate|sample|types|xsd` through guoku.cli.main: output and exit codes."""

import datetime as dt
import json

import pytest
from lxml import etree

from evoucher.codec import build_voucher, parse_mof, parse_voucher
from evoucher.registry import validate
from guoku.cli import main

DAY = dt.date(2024, 3, 20)
DATE = ["--business-date", f"{DAY:%Y%m%d}"]


def run(capsysbinary, *argv):
    code = main(list(argv))
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


@pytest.fixture
def sample_file(tmp_path, capsysbinary):
    def make(*argv, name="v.xml"):
        code, out, _ = run(capsysbinary, "voucher", "sample", *argv, *DATE)
        assert code == 0
        path = tmp_path / name
        path.write_bytes(out)
        return path

    return make


def test_sample_prints_a_valid_gbk_voucher(capsysbinary):
    code, out, _ = run(capsysbinary, "voucher", "sample", "5207", "--seed", "4", *DATE)
    assert code == 0
    voucher = parse_voucher(out.rstrip(b"\n"))
    assert voucher.vt_code == "5207" and voucher.encoding == "GBK"
    assert validate(voucher, business_date=DAY) == []


def test_sample_options(capsysbinary):
    code, out, _ = run(capsysbinary, "voucher", "sample", "2301", "--receipt", "--mof", *DATE)
    bodies = parse_mof(out.rstrip(b"\n"))
    assert code == 0 and [(b.vt_code, b.voucher_flag) for b in bodies] == [("2301", 1)]
    code, out, _ = run(capsysbinary, "voucher", "sample", "5209", "--encoding", "UTF-8", *DATE)
    assert code == 0 and parse_voucher(out.rstrip(b"\n")).encoding == "UTF-8"
    _, a, _ = run(capsysbinary, "voucher", "sample", "5209", "--seed", "1", *DATE)
    _, b, _ = run(capsysbinary, "voucher", "sample", "5209", "--seed", "2", *DATE)
    assert a != b


@pytest.mark.parametrize(
    ("argv", "message"), [(["9999"], "unknown VtCode"), (["2003"], "name only"), (["3251"], "profile")]
)
def test_sample_refuses_codes_it_cannot_write(capsysbinary, argv, message):
    code, out, err = run(capsysbinary, "voucher", "sample", *argv)
    assert code == 2 and out == b"" and message in err


def test_validate_a_valid_voucher_and_a_mof(capsysbinary, sample_file):
    code, out, _ = run(capsysbinary, "voucher", "validate", str(sample_file("5207")), *DATE)
    assert code == 0 and out.decode().strip().endswith("Voucher: valid")
    mof = sample_file("2302", "--mof", "--receipt", name="m.xml")
    code, out, _ = run(capsysbinary, "voucher", "validate", str(mof), *DATE, "--json")
    report = json.loads(out)
    assert code == 0 and report["document"] == "MOF" and report["valid"] is True


def test_validate_lists_every_problem_with_path_rule_and_fault(capsysbinary, sample_file, tmp_path):
    voucher = parse_voucher(sample_file("2301").read_bytes().rstrip(b"\n"))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(
        build_voucher({**voucher.header, "PayBankNo": "10233100001", "StYear": "2030"}, list(voucher.details))
    )
    code, out, _ = run(capsysbinary, "voucher", "validate", str(bad), *DATE)
    text = out.decode()
    assert code == 1 and "2 problems" in text
    assert "EVS100  Voucher/PayBankNo  [format.bank_no]" in text
    assert "EVS103  Voucher/StYear  [year.st_year]" in text
    code, out, _ = run(capsysbinary, "voucher", "validate", str(bad), *DATE, "--json")
    problems = json.loads(out)["problems"]
    assert code == 1
    assert [(p["path"], p["rule"], p["evs_code"], p["value"]) for p in problems] == [
        ("Voucher/StYear", "year.st_year", "EVS103", "2030"),
        ("Voucher/PayBankNo", "format.bank_no", "EVS100", "10233100001"),
    ]


def test_validate_checks_a_bare_receipt_with_receipt_flag(capsysbinary, sample_file):
    path = sample_file("5207")
    code, out, _ = run(capsysbinary, "voucher", "validate", str(path), *DATE, "--receipt")
    assert code == 1 and "[receipt.mandatory]" in out.decode()


@pytest.mark.parametrize(
    "content",
    [b'<!DOCTYPE v [<!ENTITY x "y">]><Voucher/>', b"not xml at all", b"<MOF><VoucherBody/></MOF>", b""],
)
def test_hostile_or_unreadable_input_is_a_problem_not_a_traceback(capsysbinary, tmp_path, content):
    path = tmp_path / "x.xml"
    path.write_bytes(content)
    code, out, _ = run(capsysbinary, "voucher", "validate", str(path))
    assert code == 1 and "[voucher.malformed]" in out.decode()


def test_validate_usage_errors(capsysbinary, tmp_path):
    code, _, err = run(capsysbinary, "voucher", "validate", str(tmp_path / "missing.xml"))
    assert code == 2 and "cannot read" in err
    with pytest.raises(SystemExit) as info:
        main(["voucher", "validate", str(tmp_path), "--business-date", "2024-03-20"])
    assert info.value.code == 2


def test_types_lists_the_registry(capsysbinary):
    code, out, _ = run(capsysbinary, "voucher", "types")
    lines = out.decode().splitlines()
    assert code == 0 and len(lines) == 91
    assert any(line.startswith("5207  实拨拨款凭证") and "finance -> pboc" in line for line in lines)
    code, out, _ = run(capsysbinary, "voucher", "types", "--json")
    data = json.loads(out)
    assert code == 0 and len(data) == 91 and {"vt_code", "header", "positions"} <= set(data[0])


def test_types_of_one_code(capsysbinary):
    code, out, _ = run(capsysbinary, "voucher", "types", "5207")
    text = out.decode()
    assert code == 0 and "rh_zqz(receipt)" in text and "PayAmt" in text
    code, out, _ = run(capsysbinary, "voucher", "types", "5207", "--json")
    assert code == 0 and json.loads(out)["total"] == ["PayAmt", "PayAmt"]
    code, _, err = run(capsysbinary, "voucher", "types", "0000")
    assert code == 2 and "unknown VtCode" in err


def test_xsd_prints_a_schema_that_accepts_the_sample(capsysbinary):
    code, out, _ = run(capsysbinary, "voucher", "xsd", "5207", "--receipt")
    schema = etree.XMLSchema(etree.fromstring(out))
    _, sample, _ = run(capsysbinary, "voucher", "sample", "5207", "--receipt")
    assert code == 0 and schema.validate(etree.fromstring(sample.rstrip(b"\n")))
    code, _, err = run(capsysbinary, "voucher", "xsd", "3210", "--profile", "1.0")
    assert code == 2 and "profile" in err


def test_help_explains_every_subcommand(capsys):
    for sub in ("validate", "sample", "types", "xsd"):
        with pytest.raises(SystemExit) as info:
            main(["voucher", sub, "--help"])
        assert info.value.code == 0
    assert "EVS100" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["voucher"])
    assert info.value.code == 2
