"""File blocks of the attachment channel (绿色通道, sendData/getData): a file cut into 3 MB blocks.

Each block on the wire is `base64(<File>…<FileData>base64(chunk)</FileData></File>)` (reference
§2). The XML inside is GBK and canonical here; reading checks every block on its own and then that
the blocks make one whole file: same header, numbered 1..n in order, none missing or extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evoucher.codec import identity, tree, writing
from evoucher.codec.safe import check_built, check_size, decode_base64, encode_base64, parse_document, within
from evoucher.errors import EVS_EMPTY, CodecError, HostileInputError

FILE_BLOCK_BYTES = 3 * 1024 * 1024  # file bytes per block (reference §2)
MAX_FILE_BLOCK_BYTES = 6 * 1024 * 1024  # one block on the wire: base64 of the XML holding base64 of 3 MB
MAX_FILE_BLOCKS = 1024
_FIELDS = ("FileName", "FileBlockCount", "AfewBlock", "Attach", "VtCode", "VoucherNo", "FileData")


@dataclass(frozen=True)
class FileBlock:
    """One decoded block: the file's header (same in every block), its 1-based index and its bytes."""

    name: str
    block_count: int
    index: int
    attach: str
    vt_code: str
    voucher_no: str
    data: bytes


def _check_name(name: object, where: str) -> str:
    if not isinstance(name, str) or not name:
        raise CodecError(f"{where}: missing or empty", evs_code=EVS_EMPTY)
    if any(c in name for c in "/\\\x00") or name in (".", ".."):
        raise HostileInputError(f"{where}: {name[:40]!r} is a path, not a file name")
    if len(name) > 255:
        raise CodecError(f"{where}: must be at most 255 characters, got {len(name)}")
    return name


def parse_file_block(block: bytes) -> FileBlock:
    """Decode and check one sendData block."""
    what = "File"
    if not isinstance(block, bytes):
        raise CodecError(f"{what}: expected bytes, got {type(block).__name__}")
    check_size(block, MAX_FILE_BLOCK_BYTES, what)
    xml = decode_base64(block.decode("latin-1"), what)
    root, _ = parse_document(xml, limit=MAX_FILE_BLOCK_BYTES, root=("File",), what=what)
    tree.container(root, "File")
    found = tree.unique_children(root, "File", _FIELDS)
    missing = [name for name in _FIELDS if name not in found]
    if missing:
        raise CodecError(f"File/{missing[0]}: missing", evs_code=EVS_EMPTY)
    text = {name: tree.leaf(found[name], f"File/{name}") for name in _FIELDS}
    count = identity.check_count(text["FileBlockCount"], "File/FileBlockCount", low=1, high=MAX_FILE_BLOCKS)
    return FileBlock(
        name=_check_name(text["FileName"], "File/FileName"),
        block_count=count,
        index=identity.check_count(text["AfewBlock"], "File/AfewBlock", low=1, high=count),
        attach=text["Attach"],
        vt_code=identity.check("VtCode", text["VtCode"], "File/VtCode"),
        voucher_no=identity.check("VoucherNo", text["VoucherNo"], "File/VoucherNo"),
        data=decode_base64(text["FileData"], "File/FileData") if text["FileData"].strip() else b"",
    )


def build_file_block(
    name: str,
    data: bytes,
    *,
    index: int,
    block_count: int,
    vt_code: str,
    voucher_no: str,
    attach: str = "",
) -> bytes:
    """One sendData block: block `index` (1-based) of `block_count`, carrying `data` (≤ 3 MB).

    The one writer of the wire form: `split_file` uses it for every block, and a library handing
    a stored block back (getData) uses it for that block alone.
    """
    _check_name(name, "File/FileName")
    identity.check("VtCode", vt_code, "File/VtCode")
    identity.check("VoucherNo", voucher_no, "File/VoucherNo")
    if not isinstance(data, bytes):
        raise CodecError(f"File/FileData: expected bytes, got {type(data).__name__}")
    if len(data) > FILE_BLOCK_BYTES:
        raise CodecError(f"File/FileData: at most {FILE_BLOCK_BYTES} bytes per block, got {len(data)}")
    if type(block_count) is not int or not 1 <= block_count <= MAX_FILE_BLOCKS:
        raise CodecError(f"File/FileBlockCount: must be 1..{MAX_FILE_BLOCKS}, got {block_count!r}")
    if type(index) is not int or not 1 <= index <= block_count:
        raise CodecError(f"File/AfewBlock: must be 1..{block_count}, got {index!r}")
    xml = (
        f"{writing.declaration('GBK')}<File>{writing.element('FileName', name, 'File/FileName')}"
        f"<FileBlockCount>{block_count}</FileBlockCount><AfewBlock>{index}</AfewBlock>"
        + writing.element("Attach", attach, "File/Attach")
        + writing.element("VtCode", vt_code, "File/VtCode")
        + writing.element("VoucherNo", voucher_no, "File/VoucherNo")
        + f"<FileData>{encode_base64(data)}</FileData></File>"
    )
    values = [("File/FileName", name), ("File/Attach", attach), ("File/VoucherNo", voucher_no)]
    block = encode_base64(writing.encode(xml, "GBK", values)).encode("ascii")
    check_built(block, MAX_FILE_BLOCK_BYTES, f"File block {index}")
    return block


def split_file(
    name: str,
    data: bytes,
    *,
    vt_code: str,
    voucher_no: str,
    attach: str = "",
    block_size: int = FILE_BLOCK_BYTES,
) -> list[bytes]:
    """The sendData blocks of a file, in order; an empty file is one block with empty FileData."""
    if not isinstance(data, bytes):
        raise CodecError(f"File/FileData: expected bytes, got {type(data).__name__}")
    if type(block_size) is not int or not 1 <= block_size <= FILE_BLOCK_BYTES:
        raise CodecError(f"block_size: must be 1..{FILE_BLOCK_BYTES} bytes, got {block_size!r}")
    chunks = [data[i : i + block_size] for i in range(0, len(data), block_size)] or [b""]
    if len(chunks) > MAX_FILE_BLOCKS:
        raise CodecError(f"File: {len(chunks)} blocks, the limit is {MAX_FILE_BLOCKS}")
    ids = {"vt_code": vt_code, "voucher_no": voucher_no, "attach": attach}
    return [
        build_file_block(name, chunk, index=index, block_count=len(chunks), **ids)
        for index, chunk in enumerate(chunks, 1)
    ]


def join_file(blocks: Sequence[bytes]) -> tuple[str, bytes]:
    """The file name and bytes from all of its blocks, given in order 1..n."""
    if not blocks:
        raise CodecError("File: no blocks given", evs_code=EVS_EMPTY)
    parsed = []
    for i, block in enumerate(blocks, 1):
        with within(f"File block {i}: "):
            parsed.append(parse_file_block(block))
    first = parsed[0]
    if len(parsed) != first.block_count:
        raise CodecError(
            f"File: FileBlockCount says {first.block_count}, but {len(parsed)} blocks were given"
        )
    for i, block in enumerate(parsed, 1):
        if block.index != i:
            raise CodecError(f"File block {i}: AfewBlock is {block.index}; blocks must come in order 1..n")
        for field, label in (
            ("name", "FileName"),
            ("block_count", "FileBlockCount"),
            ("attach", "Attach"),
            ("vt_code", "VtCode"),
            ("voucher_no", "VoucherNo"),
        ):
            if getattr(block, field) != getattr(first, field):
                raise CodecError(f"File block {i}: {label} differs from block 1")
    full = len(first.data)
    for i, block in enumerate(parsed, 1):
        last = i == len(parsed)
        if (not last and len(block.data) != full) or (
            last and len(parsed) > 1 and not 0 < len(block.data) <= full
        ):
            raise CodecError(
                f"File block {i}: {len(block.data)} bytes; every block but the last must be full"
            )
    return first.name, b"".join(block.data for block in parsed)
