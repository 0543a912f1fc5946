"""The audit chain: any edit, deletion, reordering or cut is found at the right entry.

First on chains built in memory (a Hypothesis property), then on real stores whose rows are
tampered with directly in SQLite and PostgreSQL, as `guoku audit verify` reports it.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from guoku.cli import main
from voucherlib.audit import GENESIS, AuditEntry, canonical_detail, verify_chain
from voucherlib.store.postgres import split_url

from .store.helpers import FINANCE, KEY, PBOC, sent

texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


def chain(raw: list[AuditEntry]) -> tuple[list[AuditEntry], tuple[int, bytes]]:
    out, prev = [], GENESIS
    for seq, entry in enumerate(raw, start=1):
        out.append(dataclasses.replace(entry, seq=seq).chained(prev))
        prev = out[-1].hash
    return out, (len(out), prev)


entries = st.builds(
    AuditEntry,
    seq=st.just(0),
    at=texts,
    actor=texts,
    org=texts,
    operation=st.sampled_from(["sendVoucher", "confirmVoucher", "returnVoucher"]),
    voucher=texts,
    version=st.none() | st.integers(1, 9),
    status_before=texts,
    status_after=texts,
    detail=st.dictionaries(texts, texts, max_size=2).map(canonical_detail),
)


@given(st.lists(entries, min_size=2, max_size=12), st.data())
def test_any_tampering_is_found_at_its_entry(raw, data):
    good, head = chain(raw)
    assert verify_chain(good, head).intact
    n = len(good)
    i = data.draw(st.integers(0, n - 2), label="index")
    kind = data.draw(st.sampled_from(["edit", "delete", "swap", "cut"]), label="kind")
    bad = list(good)
    if kind == "edit":
        bad[i] = dataclasses.replace(bad[i], actor=bad[i].actor + "x")
        expected = i + 1
    elif kind == "delete":
        del bad[i]
        expected = i + 1
    elif kind == "swap":  # rows keep their places, their seq numbers are exchanged
        a, b = bad[i], bad[i + 1]
        bad[i], bad[i + 1] = dataclasses.replace(b, seq=a.seq), dataclasses.replace(a, seq=b.seq)
        expected = i + 1
    else:
        bad = bad[: i + 1]
        expected = i + 2
    report = verify_chain(bad, head)
    assert not report.intact and report.first_bad_seq == expected, report


def test_canonical_bytes_are_fixed():
    entry = AuditEntry(1, "2024-01-01T00:00:00+00:00", "c", "011", "op", "k", None, "a", "b", "{}")
    assert entry.canonical() == b'[1,"2024-01-01T00:00:00+00:00","c","011","op","k",null,"a","b","{}"]'
    assert canonical_detail({"b": 1, "a": "退回"}) == '{"a":"退回","b":1}'


def test_rehashing_an_edit_breaks_the_next_entry():
    good, head = chain([AuditEntry(0, "t", "c", "o", "op", "k", 1, "a", "b", "{}")] * 3)
    forged = dataclasses.replace(good[1], actor="evil").chained(good[0].hash)
    report = verify_chain([good[0], forged, good[2]], head)
    assert report.first_bad_seq == 3


def raw_sql(url: str, *statements: str) -> None:
    """Tamper with the stored rows behind the store's back."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            for sql in statements:
                conn.execute(sql)
        return
    conninfo, schema = split_url(url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"SET search_path TO {schema}")
        for sql in statements:
            conn.execute(sql)


def verify(url: str, capsys) -> tuple[int, dict]:
    code = main(["audit", "verify", "--db", url, "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def trail(store) -> str:
    """A store with six audit entries: save, 2 stamps, send, read, confirm."""
    sent(store)
    store.atomic(lambda ops: ops.read(PBOC, "330100", 2024, "5207"))
    store.atomic(lambda ops: ops.confirm(PBOC, [KEY.ref]))
    store.close()
    return store.url


TAMPERING = {
    "edit": (["UPDATE audit SET detail='{}' WHERE seq=3"], 3),
    "delete": (["DELETE FROM audit WHERE seq=2"], 2),
    "reorder": (
        [
            "UPDATE audit SET seq=-4 WHERE seq=4",
            "UPDATE audit SET seq=4 WHERE seq=5",
            "UPDATE audit SET seq=5 WHERE seq=-4",
        ],
        4,
    ),
    "cut tail": (["DELETE FROM audit WHERE seq=6"], 6),
    "edit status": (["UPDATE audit SET status_after='3' WHERE seq=5"], 5),
}


@pytest.mark.parametrize("how", TAMPERING)
def test_verify_names_the_first_tampered_row(trail, how, capsys):
    assert verify(trail, capsys)[0] == 0
    statements, first_bad = TAMPERING[how]
    raw_sql(trail, *statements)
    code, report = verify(trail, capsys)
    assert (code, report["intact"], report["first_bad_seq"]) == (1, False, first_bad), report


def test_verify_human_output_and_show(trail, capsys):
    assert main(["audit", "verify", "--db", trail]) == 0
    assert "intact: 6 entries" in capsys.readouterr().out
    assert main(["audit", "show", "--db", trail, "--voucher", str(KEY), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [e["operation"] for e in shown["entries"]] == [
        "writeVoucher",
        "signStampByNos",
        "signStampByNos",
        "sendVoucher",
        "readVoucherAgain",
        "confirmVoucher",
    ]
    assert shown["entries"][-1]["actor"] == PBOC.cert_id and shown["head"]["seq"] == 6
    assert shown["entries"][0]["org"] == str(FINANCE.org)
    raw_sql(trail, "UPDATE audit SET actor='someone' WHERE seq=1")
    assert main(["audit", "verify", "--db", trail]) == 1
    out = capsys.readouterr().out
    assert "BROKEN at entry 1" in out and "someone" in out


def test_cli_usage_errors(tmp_path, capsys):
    assert main(["audit", "verify", "--db", f"sqlite:///{tmp_path}/none.db"]) == 2
    assert "EVS999#" in capsys.readouterr().err
    assert main(["audit", "verify", "--db", "mysql://x"]) == 2
    assert main(["audit", "show", "--db", f"sqlite:///{tmp_path}/none.db", "--voucher", "bad"]) == 2
    assert main(["audit"]) == 2
    with pytest.raises(SystemExit) as help_exit:
        main(["audit", "verify", "--help"])
    assert help_exit.value.code == 0 and "first bad entry" in capsys.readouterr().out
