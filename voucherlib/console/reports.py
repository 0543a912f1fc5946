"""The HTML reports of `guoku certify`, `guoku load` and `guoku simulate`, from `guoku serve --reports DIR`.

Served as they are, with the files they link to (plots, JSON); nothing outside DIR is reachable
(no `..`, no symlink out of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SERVED = {".html", ".htm", ".png", ".svg", ".json", ".txt", ".csv", ".css", ".xml"}


@dataclass(frozen=True)
class ReportEntry:
    path: str  # relative to DIR, with '/'
    title: str
    modified: str


def _title(path: Path) -> str:
    head = path.read_text(encoding="utf-8", errors="replace")[:4096]
    start, end = head.find("<title>"), head.find("</title>")
    return head[start + 7 : end].strip() if 0 <= start < end else path.stem


def report_index(root: Path) -> list[ReportEntry]:
    """Every HTML report under `root`, newest first."""
    found = sorted(
        (
            p
            for p in root.rglob("*")
            if p.suffix in (".html", ".htm") and report_file(root, str(p.relative_to(root)))
        ),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    return [
        ReportEntry(
            p.relative_to(root).as_posix(),
            _title(p),
            datetime.fromtimestamp(p.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )
        for p in found
    ]


def report_file(root: Path, relative: str) -> Path | None:
    """The file `relative` names inside `root`, if it is one we serve; None otherwise."""
    base = root.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base) or not target.is_file() or target.suffix.lower() not in SERVED:
        return None
    return target
