"""Governed waivers (OIDF expected failures, with an owner and an expiry).

A TOML file of `[[waiver]]` tables: `check` (an id), `reason`, `owner`, `expires` (a date). A
failure of a waived check becomes WAIVED. A waiver that has expired waives nothing and is reported;
so is one that matched no failure (the defect is fixed, or the id is wrong): stale waivers are
findings, and they fail the run like failures do.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class WaiverError(ValueError):
    """The waiver file is unreadable or a waiver lacks a field."""


@dataclass(frozen=True)
class Waiver:
    check: str
    reason: str
    owner: str
    expires: dt.date

    def to_json(self) -> dict[str, str]:
        return {
            "check": self.check,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
        }

    def expired(self, today: dt.date) -> bool:
        return self.expires < today


def read_waivers(path: Path) -> tuple[Waiver, ...]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise WaiverError(f"waivers {path}: {exc}") from exc
    out = []
    for i, entry in enumerate(data.get("waiver", []), 1):
        missing = [k for k in ("check", "reason", "owner", "expires") if not entry.get(k)]
        if missing:
            raise WaiverError(f"waivers {path}: waiver {i} lacks {', '.join(missing)}")
        expires = entry["expires"]
        if not isinstance(expires, dt.date):
            try:
                expires = dt.date.fromisoformat(str(expires))
            except ValueError as exc:
                raise WaiverError(f"waivers {path}: waiver {i} expires {expires!r} is not a date") from exc
        out.append(Waiver(str(entry["check"]), str(entry["reason"]), str(entry["owner"]), expires))
    return tuple(out)


def findings(
    waivers: tuple[Waiver, ...], failed: set[str], ran: set[str], today: dt.date
) -> list[dict[str, Any]]:
    """Expired waivers, and waivers of checks that ran without failing (stale)."""
    out = []
    for w in waivers:
        if w.expired(today):
            out.append({**w.to_json(), "problem": f"expired on {w.expires.isoformat()}"})
        elif w.check in ran and w.check not in failed:
            out.append({**w.to_json(), "problem": "stale: the check did not fail; remove the waiver"})
    return out
