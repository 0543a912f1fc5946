"""README.md's shell examples, run in order as a reader would, compared with what the page shows.

Conventions a README author follows (also stated in README.md, "About the examples"):
- In a fenced block, a line starting with `$ ` is a command; the lines after it, up to the next
  command or the end of the block, are what it prints on stdout. A block with no `$ ` line is
  not run (prose output such as `make test`'s tail).
- `…` stands for what varies: a whole line `…` matches any number of lines (the rest of a long
  output, or lines between); `…` inside a line matches any text (times, temp paths, hashes).
- A command that shows no output must exit 0; one that shows output may exit 1 (a failed check).
- Blocks run one after another in one scratch directory (the top of a checkout, as far as the
  examples can tell: `tests/` is linked there), so a later block uses the files earlier ones made.
- A block that cannot run here (a server that runs until stopped, a run of many minutes) opts out
  with `<!-- readme-test: skip: REASON -->` on the line before its fence; the reason is required.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(
    r"(?:<!-- readme-test: skip:(?P<reason>[^>]*)-->\n)?^```[^\n]*\n(?P<body>.*?)^```", re.S | re.M
)
VARIES = "…"


@dataclass(frozen=True)
class Example:
    command: str
    shown: tuple[str, ...]
    line: int  # in README.md, for the failure message


def examples(text: str) -> tuple[list[list[Example]], list[str]]:
    """The blocks with commands (each a list of examples) and the reasons of those opted out."""
    blocks, skipped = [], []
    for match in BLOCK.finditer(text):
        lines = match["body"].splitlines()
        if not any(line.startswith("$ ") for line in lines):
            continue
        if match["reason"] is not None:
            assert match["reason"].strip(), f"a skipped block needs a reason (offset {match.start()})"
            skipped.append(match["reason"].strip())
            continue
        first = text.count("\n", 0, match.start("body")) + 1
        block: list[Example] = []
        for i, line in enumerate(lines):
            if line.startswith("$ "):
                block.append(Example(line[2:], (), first + i))
            elif block:
                block[-1] = Example(block[-1].command, (*block[-1].shown, line.rstrip()), block[-1].line)
        blocks.append(block)
    return blocks, skipped


def matches(shown: tuple[str, ...], printed: list[str]) -> bool:
    """Does `printed` fit `shown`, with `…` lines matching any lines and `…` in a line any text?"""
    if not shown:
        return not printed
    head, rest = shown[0], shown[1:]
    if head.strip() == VARIES:
        return any(matches(rest, printed[i:]) for i in range(len(printed) + 1))
    pattern = ".*".join(re.escape(part) for part in head.split(VARIES))
    first = bool(printed) and re.fullmatch(pattern, printed[0].rstrip()) is not None
    return first and matches(rest, printed[1:])


def test_the_conventions_themselves():
    assert matches(("a …", "…"), ["a 1.2 s", "x", "y"])
    assert matches(("…", "end"), ["x", "end"]) and not matches(("…", "end"), ["end", "x"])
    assert not matches(("a b",), ["a c"]) and not matches((), ["extra"])
    text = "<!-- readme-test: skip: runs until stopped -->\n```\n$ serve\n```\n```\n$ a\nout\n$ b\n```\n"
    assert examples(text) == ([[Example("a", ("out",), 6), Example("b", (), 8)]], ["runs until stopped"])


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    return tmp_path


def test_every_shell_example_in_the_readme_prints_what_the_page_shows(scratch):
    blocks, skipped = examples((ROOT / "README.md").read_text())
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    failures = []
    for example in (e for block in blocks for e in block):
        done = subprocess.run(["bash", "-c", example.command], cwd=scratch, env=env,
                              capture_output=True, text=True, timeout=300)  # fmt: skip
        printed = done.stdout.splitlines()
        allowed = (0, 1) if example.shown else (0,)  # output shown: a failed check may exit 1
        ok = matches(example.shown, printed) and done.returncode in allowed
        if not ok:
            failures.append(f"README.md:{example.line}: $ {example.command}\n  exit {done.returncode}\n"
                            f"  shown:   {list(example.shown)}\n  printed: {printed}\n"
                            f"  stderr:  {done.stderr[-800:]}")  # fmt: skip
    assert sum(len(b) for b in blocks) >= 10 and len(skipped) <= len(blocks)
    assert not failures, "\n".join(failures)
