"""The `guoku` entry point itself: what happens around every command."""

from __future__ import annotations

import os
import subprocess
import sys

from guoku.cli import EXIT_BROKEN_PIPE


def test_a_reader_that_stops_early_gets_no_traceback():
    """`guoku voucher types | head -1`: the pipe closes under us; exit quietly, as if killed by SIGPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # a reader that is already gone: every write fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "guoku", "voucher", "types"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == EXIT_BROKEN_PIPE == 141
