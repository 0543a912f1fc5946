"""Generated artefacts stay in step with their sources: docs/voucher-types.md and fields.json."""

import subprocess
import sys
from pathlib import Path

import pytest

from evoucher import registry
from evoucher.registry.docs import render

ROOT = Path(__file__).resolve().parents[3]
TSV = ROOT.parent / "shared" / "reference" / "voucher-fields.tsv"
TOOL = ROOT / "tools" / "build_registry.py"


def test_voucher_types_page_is_up_to_date():
    committed = (ROOT / "docs" / "voucher-types.md").read_text(encoding="utf-8")
    assert committed == render(), "stale: run python -m evoucher.registry.docs > docs/voucher-types.md"


def test_the_page_covers_every_type_and_rule():
    page = render()
    for vt in registry.all_types():
        assert f'<a id="{vt.vt_code}"></a>' in page
    for rule_id in registry.RULES:
        assert f"`{rule_id}`" in page


def test_registry_doc_explains_every_rule_id():
    guide = (ROOT / "docs" / "registry.md").read_text(encoding="utf-8")
    missing = [rule_id for rule_id in registry.RULES if f"`{rule_id}`" not in guide]
    assert missing == []


@pytest.mark.skipif(not TSV.exists(), reason="the ITFE field table is not in this checkout")
def test_fields_json_is_generated_from_the_tsv(tmp_path):
    check = [sys.executable, str(TOOL), "--tsv", str(TSV), "--check"]
    assert subprocess.run(check, capture_output=True).returncode == 0
    stale = tmp_path / "fields.json"
    stale.write_text("{}", encoding="utf-8")
    result = subprocess.run([*check, "--out", str(stale)], capture_output=True, text=True)
    assert result.returncode == 1 and "stale" in result.stderr
    subprocess.run(
        [sys.executable, str(TOOL), "--tsv", str(TSV), "--out", str(stale)], check=True, capture_output=True
    )
    assert stale.read_text(encoding="utf-8") == (ROOT / "evoucher" / "registry" / "fields.json").read_text(
        encoding="utf-8"
    )
