"""The must-fail corpus is current: a rebuild is byte-identical to what is committed."""

from __future__ import annotations

from conformance.corpus_build import CORPUS, build


def test_rebuild_is_identical(tmp_path):
    index = build(tmp_path)
    built = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file() and p.name != "README.md"
    )
    assert built == committed, "run python -m conformance.corpus_build"
    for name in built:
        assert (tmp_path / name).read_bytes() == (CORPUS / name).read_bytes(), name
    assert len(index["cases"]) >= 60
    assert {c["expected"] for c in index["cases"]} <= {"EVS100", "EVS103", "EVS111", "EVS700"}
