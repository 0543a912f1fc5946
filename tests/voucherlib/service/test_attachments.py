"""The attachment channel: sendData queues blocks for an org type, getData hands them over in order."""

from __future__ import annotations

import pytest

from evoucher.codec import join_file, split_file

from .support import ADM, FINANCE, PBOC, YEAR, fault

pytestmark = pytest.mark.anyio


async def test_a_file_sent_in_blocks_arrives_whole_and_once(lib):
    data = bytes(range(256)) * 40
    blocks = split_file(
        "附件一.pdf", data, vt_code="5207", voucher_no="26000001", attach="合同", block_size=4096
    )
    async with lib.client(FINANCE) as fin, lib.client(PBOC) as pboc:
        for block in blocks:
            await fin.send_data(ADM, "011", "001", YEAR, block)
        repeat = await fault(fin.send_data(ADM, "011", "001", YEAR, blocks[0]))
        taken = [await pboc.get_data(YEAR, ADM) for _ in range(len(blocks) + 1)]
        mine = await fin.get_data(YEAR, ADM)
    assert repeat.evs_code == "EVS700" and "重复发送" in repeat.message and repeat.is_idempotent_success
    assert taken[-1] == b"" and mine == b""
    assert join_file(taken[:-1]) == ("附件一.pdf", data)


async def test_bad_blocks_and_senders_are_refused(lib):
    [block] = split_file("a.txt", b"x", vt_code="5207", voucher_no="1")
    async with lib.client(FINANCE) as fin:
        garbled = await fault(fin.send_data(ADM, "011", "001", YEAR, b"bm90IGEgZmlsZQ=="))
        posing = await fault(fin.send_data(ADM, "001", "011", YEAR, block))
        no_type = await fault(fin.send_data(ADM, "011", "ABC", YEAR, block))
    [foreign_vt] = split_file("a.txt", b"x", vt_code="8202", voucher_no="1")
    not_allowed = await fault(lib.client(FINANCE).send_data(ADM, "011", "001", YEAR, foreign_vt))
    assert (garbled.evs_code, posing.evs_code, no_type.evs_code, not_allowed.evs_code) == (
        "EVS100", "EVS112", "EVS100", "EVS112",
    )  # fmt: skip
    assert "data" in garbled.message and "VtCode 8202" in not_allowed.message
