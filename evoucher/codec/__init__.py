"""The voucher codec: `<Voucher>` documents, the MOF envelope, stamp-position XML and file blocks.

Hostile input (DTDs, entities, oversize, bad base64, bytes invalid in the encoding) is refused
before any parsing work; parsed vouchers keep their exact bytes. See docs/codec.md.
"""

from evoucher.codec.attachments import (
    FILE_BLOCK_BYTES,
    MAX_FILE_BLOCK_BYTES,
    MAX_FILE_BLOCKS,
    FileBlock,
    join_file,
    parse_file_block,
    split_file,
)
from evoucher.codec.mof import STAMP_KINDS, MofBody, Stamp, build_mof, parse_mof
from evoucher.codec.safe import MAX_BODIES, MAX_MOF_BYTES, MAX_VOUCHER_BYTES
from evoucher.codec.stamps_xml import MAX_STAMP_POSITIONS_BYTES, build_stamp_positions, parse_stamp_positions
from evoucher.codec.voucher import Voucher, build_voucher, parse_voucher, reencode, with_fields

__all__ = [
    "FILE_BLOCK_BYTES",
    "MAX_BODIES",
    "MAX_FILE_BLOCKS",
    "MAX_FILE_BLOCK_BYTES",
    "MAX_MOF_BYTES",
    "MAX_STAMP_POSITIONS_BYTES",
    "MAX_VOUCHER_BYTES",
    "STAMP_KINDS",
    "FileBlock",
    "MofBody",
    "Stamp",
    "Voucher",
    "build_mof",
    "build_stamp_positions",
    "build_voucher",
    "join_file",
    "parse_file_block",
    "parse_mof",
    "parse_stamp_positions",
    "parse_voucher",
    "reencode",
    "split_file",
    "with_fields",
]
