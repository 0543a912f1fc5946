"""The library's read-only web console at /console/: vouchers as forms with their seals, their life,
the day's board and the run reports (docs/console.md)."""

from __future__ import annotations

from voucherlib.console.routes import Console

__all__ = ["Console"]
