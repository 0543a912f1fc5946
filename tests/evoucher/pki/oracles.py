"""Independent judges for the test PKI: the OpenSSL 3 CLI and snowland-smx's SM2 (`pysmx`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from evoucher.crypto import sm2

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="OpenSSL CLI not installed (make system-deps)")


def openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the OpenSSL CLI; the caller asserts on returncode and output."""
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *map(str, args)], capture_output=True, text=True, check=False)


def pysmx_verify(public_key: sm2.PublicKey, message: bytes, signature: bytes) -> bool:
    """Verify an SM2-with-SM3 signature (default signer ID) with pysmx, not our code."""
    smx = pytest.importorskip("pysmx.SM2")
    r, s, _ = sm2.decode_signature(signature)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return bool(smx.Verify(raw, message, public_key.to_bytes()[1:].hex(), 64, uid=sm2.DEFAULT_ID))
