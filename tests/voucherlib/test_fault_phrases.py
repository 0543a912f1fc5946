"""Only a true repeat reads as success: no refusal may hold an idempotent-success phrase (VL-WIRE-033).

ITFE-like clients (and our `is_idempotent_success`) treat a fault holding 成功签收, 已发送, … as
"already done"; a refusal worded that way makes a client believe work was recorded that was not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import voucherlib
from evoucher.interface import IDEMPOTENT_SUCCESS_BY_OPERATION, IDEMPOTENT_SUCCESS_PHRASES, OPERATION_BY_NAME
from voucherlib.lifecycle import DELIVERY_TABLE, DOC_TABLE, DeliveryEvent, DeliveryState, Refuse

PHRASES = IDEMPOTENT_SUCCESS_PHRASES + tuple(p for ps in IDEMPOTENT_SUCCESS_BY_OPERATION.values() for p in ps)
# where a phrase is meant: the note of an idempotent repeat
REPEAT_MARKERS = {"Noop", "Transition"}


def _reads_as_success(message: str) -> list[str]:
    return [op for op in OPERATION_BY_NAME if any(p in message for p in _phrases(op))]


def _phrases(operation: str) -> tuple[str, ...]:
    return IDEMPOTENT_SUCCESS_PHRASES + IDEMPOTENT_SUCCESS_BY_OPERATION.get(operation, ())


@pytest.mark.parametrize(
    ("event", "state", "rule"),
    [
        (e, s, r)
        for table in (DOC_TABLE, DELIVERY_TABLE)
        for (e, s), r in table.items()
        if isinstance(r, Refuse)
    ],
)
def test_no_lifecycle_refusal_reads_as_success(event, state, rule):
    assert not _reads_as_success(rule.rule), f"{event} in state {state}: {rule.rule!r}"


def test_confirm_fail_on_a_signed_voucher_is_a_refusal_not_a_success():
    rule = DELIVERY_TABLE[(DeliveryEvent.CONFIRM_FAIL, DeliveryState.SIGNED)]
    assert isinstance(rule, Refuse) and not _reads_as_success(rule.rule)


def _strings_with_phrases(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, text, enclosing call's name) of every string literal in `path` holding a phrase."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []

    def visit(node: ast.AST, call: str | None) -> None:
        if isinstance(node, ast.Call):
            func = node.func
            call = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
        text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
        if id(node) not in docstrings and any(p in text for p in PHRASES):
            found.append((node.lineno, node.value, call))
        for child in ast.iter_child_nodes(node):
            visit(child, call)

    visit(tree, None)
    return found


def test_every_fault_text_of_the_library_holds_a_success_phrase_only_as_a_repeat_note():
    """Scans every string literal of voucherlib: a success phrase may only be an idempotent note."""
    root = Path(voucherlib.__file__).parent
    offenders = [
        f"{path.relative_to(root.parent)}:{line}: {text!r} in {call or 'no call'}"
        for path in sorted(root.rglob("*.py"))
        for line, text, call in _strings_with_phrases(path)
        if call not in REPEAT_MARKERS
    ]
    assert offenders == []
