"""docs/spec.md indexes every requirement id, and no page cites an id that no page defines."""

import re
from pathlib import Path

from tools import spec_index

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_spec_index_is_current():
    assert spec_index.main(["--check"]) == 0, "run .venv/bin/python tools/spec_index.py"


def test_every_cited_requirement_is_defined():
    defined = {rid for rid, _, _ in spec_index.definitions()}
    cited = {
        (rid, page.name)
        for page in DOCS.glob("*.md")
        for rid in re.findall(r"\b[A-Z]{2}-[A-Z]+-\d{3}\b", page.read_text(encoding="utf-8"))
    }
    dangling = sorted((rid, page) for rid, page in cited if rid not in defined)
    assert not dangling, f"cited but never defined: {dangling}"
