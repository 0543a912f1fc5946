"""sendData file blocks: split into base64 <File> blocks, joined only when complete and in order."""

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evoucher.codec import FILE_BLOCK_BYTES, FileBlock, join_file, parse_file_block, split_file
from evoucher.codec.attachments import build_file_block
from evoucher.errors import CodecError, HostileInputError

IDS = {"vt_code": "5207", "voucher_no": "A001"}


_CHARS = st.characters(codec="gbk", exclude_categories=("Cs", "Cc"))
names = st.text(_CHARS | st.sampled_from("&<"), min_size=1, max_size=20).filter(
    lambda n: not any(c in n for c in "/\\") and n not in (".", "..")
)


@given(
    names,
    st.binary(max_size=300),
    st.integers(1, 64),
    st.text(_CHARS | st.sampled_from("\t\r\n&<"), max_size=10),
)
def test_split_join_round_trip(name, data, block_size, attach):
    blocks = split_file(name, data, attach=attach, block_size=block_size, **IDS)
    assert len(blocks) == max(1, -(-len(data) // block_size))
    assert join_file(blocks) == (name, data)
    last = parse_file_block(blocks[-1])
    assert (last.index, last.block_count, last.attach) == (len(blocks), len(blocks), attach)
    assert (last.vt_code, last.voucher_no) == ("5207", "A001")


def test_block_wire_form():
    [block] = split_file("a.pdf", b"%PDF", attach="说明", **IDS)
    assert base64.b64decode(block).decode("gbk") == (
        '<?xml version="1.0" encoding="GBK"?>\n'
        "<File><FileName>a.pdf</FileName><FileBlockCount>1</FileBlockCount>"
        "<AfewBlock>1</AfewBlock><Attach>说明</Attach><VtCode>5207</VtCode><VoucherNo>A001</VoucherNo>"
        "<FileData>JVBERg==</FileData></File>"
    )
    assert parse_file_block(block) == FileBlock("a.pdf", 1, 1, "说明", "5207", "A001", b"%PDF")


def test_default_block_size_is_three_megabytes():
    blocks = split_file("big.bin", bytes(FILE_BLOCK_BYTES + 1), **IDS)
    assert [len(parse_file_block(b).data) for b in blocks] == [FILE_BLOCK_BYTES, 1]


def test_empty_file_is_one_empty_block():
    blocks = split_file("empty.txt", b"", **IDS)
    assert len(blocks) == 1 and join_file(blocks) == ("empty.txt", b"")


def _xml_block(**fields) -> bytes:
    parts = {
        "FileName": "a",
        "FileBlockCount": "1",
        "AfewBlock": "1",
        "Attach": "",
        "VtCode": "5207",
        "VoucherNo": "A001",
        "FileData": "AQ==",
    }
    parts.update(fields)
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in parts.items() if v is not None)
    return base64.b64encode(f"<File>{inner}</File>".encode())


def test_join_checks_count_order_and_completeness():
    blocks = split_file("f", b"abcdefghij", block_size=4, **IDS)
    other = split_file("g", b"abcdefghij", block_size=4, **IDS)
    cases = [
        ([], "no blocks given"),
        (blocks[:2], "FileBlockCount says 3, but 2 blocks were given"),
        ([*blocks, blocks[2]], "FileBlockCount says 3, but 4 blocks were given"),
        ([blocks[1], blocks[0], blocks[2]], "File block 1: AfewBlock is 2; blocks must come in order"),
        ([blocks[0], other[1], blocks[2]], "File block 2: FileName differs from block 1"),
        (
            [blocks[0], split_file("f", b"abcdefghij", block_size=5, **IDS)[1], blocks[2]],
            "FileBlockCount differs",
        ),
        (
            split_file("f", b"abcdefghij", block_size=4, vt_code="5207", voucher_no="B")[:1] + blocks[1:],
            "VoucherNo",
        ),
    ]
    for given_blocks, match in cases:
        with pytest.raises(CodecError, match=match):
            join_file(given_blocks)


def test_short_middle_block_is_refused():
    blocks = [
        _xml_block(FileBlockCount="3", AfewBlock="1", FileData="AQID"),
        _xml_block(FileBlockCount="3", AfewBlock="2", FileData="AQ=="),
        _xml_block(FileBlockCount="3", AfewBlock="3", FileData="AQ=="),
    ]
    with pytest.raises(CodecError, match="File block 2: 1 bytes; every block but the last must be full"):
        join_file(blocks)


@pytest.mark.parametrize(
    ("fields", "error", "match"),
    [
        ({"FileName": "../../etc/passwd"}, HostileInputError, "is a path, not a file name"),
        ({"FileName": ".."}, HostileInputError, "is a path"),
        ({"FileName": ""}, CodecError, "FileName: missing or empty"),
        ({"FileName": None}, CodecError, "FileName: missing"),
        ({"FileBlockCount": "0"}, CodecError, "between 1 and 1024"),
        ({"FileBlockCount": "2000"}, CodecError, "between 1 and 1024"),
        ({"AfewBlock": "2"}, CodecError, "AfewBlock: must be between 1 and 1"),
        ({"AfewBlock": "-1"}, CodecError, "must be a decimal number"),
        ({"VtCode": "52"}, CodecError, "VtCode: must be 4 digits"),
        ({"FileData": "AQ="}, HostileInputError, "bad base64 padding"),
        ({"Extra": "1"}, CodecError, "element <Extra> is not allowed"),
    ],
)
def test_block_refusals(fields, error, match):
    with pytest.raises(error, match=match):
        parse_file_block(_xml_block(**fields))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "a/b"}, "is a path"),
        ({"vt_code": "x"}, "VtCode: must be 4 digits"),
        ({"voucher_no": ""}, "VoucherNo: missing"),
        ({"block_size": 0}, "block_size: must be 1.."),
        ({"block_size": FILE_BLOCK_BYTES + 1}, "block_size"),
        ({"data": "text"}, "FileData: expected bytes"),
        ({"attach": "€"}, "representable in GBK"),
    ],
)
def test_split_refusals(kwargs, match):
    args = {"name": "a", "data": b"x", **IDS, **kwargs}
    with pytest.raises((CodecError, HostileInputError, ValueError), match=match):
        split_file(args.pop("name"), args.pop("data"), **args)


def test_split_refuses_a_block_join_would_refuse():
    with pytest.raises(CodecError, match=r"File block 1: .* over the limit of 6291456 bytes"):
        split_file("a", b"x", attach="说" * 3_000_000, **IDS)


def test_split_file_is_build_file_block_per_chunk():
    blocks = split_file("a.bin", b"abcdefg", attach="附", block_size=3, **IDS)
    built = [
        build_file_block("a.bin", chunk, index=i, block_count=3, attach="附", **IDS)
        for i, chunk in enumerate((b"abc", b"def", b"g"), 1)
    ]
    assert blocks == built
    assert parse_file_block(built[1]) == FileBlock("a.bin", 3, 2, "附", "5207", "A001", b"def")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"index": 0}, "AfewBlock: must be 1..2"),
        ({"index": 3}, "AfewBlock: must be 1..2"),
        ({"block_count": 0, "index": 1}, "FileBlockCount: must be 1..1024"),
        ({"block_count": True}, "FileBlockCount"),
        ({"data": bytes(FILE_BLOCK_BYTES + 1)}, "at most 3145728 bytes per block"),
        ({"name": ".."}, "is a path"),
        ({"voucher_no": ""}, "VoucherNo: missing"),
    ],
)
def test_build_file_block_refusals(kwargs, match):
    args = {"name": "a", "data": b"x", "index": 1, "block_count": 2, **IDS, **kwargs}
    with pytest.raises((CodecError, HostileInputError), match=match):
        build_file_block(args.pop("name"), args.pop("data"), **args)
