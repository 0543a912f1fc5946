"""The handler covers the catalogue, and every operation refuses bad common arguments alike."""

from __future__ import annotations

import inspect

import pytest

from evoucher.codec import split_file
from evoucher.interface import FINANCE as FINANCE_SERVICE
from evoucher.interface import OPERATIONS, operations_for
from voucherlib.service import HANDLERS

from .support import ADM, FINANCE, YEAR, body, fault, mof, positions_xml, voucher

pytestmark = pytest.mark.anyio


def test_every_catalogue_operation_has_a_handler_taking_its_wire_arguments():
    assert set(HANDLERS) == {op.name for op in OPERATIONS}
    for op in OPERATIONS:
        parameters = list(inspect.signature(HANDLERS[op.name]).parameters)
        assert parameters == ["call", *(p.py_name for p in op.params)], op.name


def arguments(lib, op, **changes):
    """Valid-looking arguments after certID for `op`, as finance would send them, with `changes`."""
    v = voucher(seed=111)
    values = {
        "adm_div_code": ADM, "st_year": YEAR, "vt_code": "5207", "voucher_message": mof(body(v)),
        "stamp": positions_xml(lib.env, FINANCE, "cz_gz"),
        "sign_position": positions_xml(lib.env, FINANCE, "cz_qm"),
        "src_org_type": "011", "dec_org_type": "001", "voucher_nos": [v.voucher_no], "err_msgs": ["r"],
        "reasons": ["r"], "voucher_no": v.voucher_no, "stamp_position": "cz_gz", "voucher_count": 10,
        "page_no": 1, "data": split_file("a.txt", b"x", vt_code="5207", voucher_no="1")[0],
    }  # fmt: skip
    values.update(changes)
    return [values[p.py_name] for p in op.params[1:]]


OPS = operations_for(FINANCE_SERVICE, "2.0")


@pytest.mark.parametrize(
    ("change", "evs", "words"),
    [
        ({"st_year": YEAR + 1}, "EVS103", "not after 2026"),
        ({"adm_div_code": "330000"}, "EVS112", "acts for AdmDivCode 330100"),
        ({"vt_code": "8202"}, "EVS112", "no permission for VtCode 8202"),
    ],
    ids=["year", "adm", "vt"],
)
async def test_every_operation_refuses_bad_common_arguments(lib, change, evs, words):
    async with lib.client(FINANCE) as fin:
        for op in OPS:
            if not set(change) & {p.py_name for p in op.params}:
                continue
            f = await fault(fin.call(op.name, *arguments(lib, op, **change)))
            assert (f.evs_code, words in f.message) == (evs, True), (op.name, f.message)
    assert lib.store.query(lambda q: q.audit_page(after=0, limit=10_000))[-1].status_after == "refused"
