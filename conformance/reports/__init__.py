"""Renderings of report.json: JUnit XML for CI, HTML for people, console lines for the CLI.

`write_all(report, out)` writes report.json and renders the others from it, so every file of a
run says the same thing; the bundle (conformance.bundle) then signs them all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.reports.html import render_html
from conformance.reports.junit import render_junit

FILES = ("report.json", "junit.xml", "report.html")


def write_all(report: dict[str, Any], out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in FILES}
    paths["report.json"].write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    paths["junit.xml"].write_bytes(render_junit(report))
    paths["report.html"].write_text(render_html(report), encoding="utf-8")
    return paths


__all__ = ["FILES", "render_html", "render_junit", "write_all"]
