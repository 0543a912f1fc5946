"""The voucher codec: `<Voucher>` documents, the MOF envelope, stamp-position XML and file blocks.

Hostile input (DTDs, entities, oversize, bad base64, bytes invalid in the encoding) is refused
before any parsing work; parsed vouchers keep their exact bytes. See docs/codec.md.
"""

from evoucher.codec.safe import MAX_BODIES, MAX_MOF_BYTES, MAX_VOUCHER_BYTES
from evoucher.codec.voucher import Voucher, build_voucher, parse_voucher, reencode, with_fields

__all__ = [
    "MAX_BODIES",
    "MAX_MOF_BYTES",
    "MAX_VOUCHER_BYTES",
    "Voucher",
    "build_voucher",
    "parse_voucher",
    "reencode",
    "with_fields",
]
