"""The console's pages as jobs: `job(library, who, ...) -> Answer`, run where `Runner` decides.

A job gets the viewer as the `who` of its session (a certID or `operator`) and resolves it against
`library` itself, so a party revoked since it logged in gets the login page; everything it
returns is plain data (picklable), the page already rendered, because it usually runs in another
process (runner.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates

from evoucher import registry
from evoucher.errors import EvoucherError
from voucherlib.console import board as board_page
from voucherlib.console.document import document_view, visible
from voucherlib.console.listing import list_page
from voucherlib.console.login import OPERATOR, Viewer
from voucherlib.errors import ArgumentError, VoucherNotFound
from voucherlib.pdf import version_pdf
from voucherlib.service import VoucherLibrary
from voucherlib.store import VoucherKey, amounts
from voucherlib.store.console import prepare

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.globals["registry_name"] = lambda vt: registry.get(vt).zh_name if vt in registry.codes() else vt
HTML = "text/html; charset=utf-8"
_prepared: set[str] = set()  # the stores whose console indexes this process has made sure of


@dataclass(frozen=True)
class Answer:
    """A response as data: 303 means "log in" (no viewer, or one no longer accepted)."""

    status: int
    body: bytes = b""
    media_type: str = HTML
    headers: Mapping[str, str] = field(default_factory=dict)


LOG_IN = Answer(303)


def render(
    library: VoucherLibrary, template: str, viewer: Viewer | None, status: int = 200, **facts
) -> Answer:
    facts = {"viewer": viewer, "reports": library.settings.reports_dir is not None, **facts}
    return Answer(status, TEMPLATES.get_template(template).render(facts).encode("utf-8"))


def viewer_of(library: VoucherLibrary, who: str) -> Viewer | None:
    """The session's viewer as the library accepts it now (None: revoked or unknown since)."""
    if who == OPERATOR:
        return Viewer(OPERATOR, None)
    try:
        return Viewer(who, library.resolve_caller(who, None).party)
    except EvoucherError:
        return None


def _read(library: VoucherLibrary, question):
    store = library.store
    if store is None:
        raise VoucherNotFound("-", detail="the library is not open")
    if store.url not in _prepared:
        store.atomic(prepare)
        _prepared.add(store.url)
    amounts.catch_up(store)  # the amounts of new bytes, before the list
    return store.query(question)


def vouchers(library: VoucherLibrary, who: str, params: Mapping[str, str]) -> Answer:
    viewer = viewer_of(library, who)
    if viewer is None:
        return LOG_IN
    try:
        facts = _read(library, lambda q: list_page(q, viewer.org, params))
    except ArgumentError as exc:
        return render(library, "vouchers.html", viewer, 400, problem=exc.message, rows=[], form={})
    return render(library, "vouchers.html", viewer, problem="", **facts)


def voucher(library: VoucherLibrary, who: str, key: VoucherKey, number: int) -> Answer:
    viewer = viewer_of(library, who)
    if viewer is None:
        return LOG_IN
    env, policy = library.env, library.settings.policy

    def build(q):
        doc = document_view(q, env, policy, viewer.org, key, number or None)
        try:
            other = document_view(q, env, policy, viewer.org, key.ref.key(1 - key.voucher_flag), None)
        except VoucherNotFound:
            other = None
        return doc, other

    try:
        doc, other = _read(library, build)
    except VoucherNotFound:
        return render(library, "missing.html", viewer, 404, what=str(key))
    return render(library, "voucher.html", viewer, doc=doc, other=other)


def download(library: VoucherLibrary, who: str, key: VoucherKey, number: int, kind: str) -> Answer:
    """The exact bytes (`xml`) or the PDF (`pdf`) of a version the viewer may see."""
    viewer = viewer_of(library, who)
    if viewer is None:
        return LOG_IN

    def fetch(q):
        _, newest, _ = visible(q, viewer.org, key)
        return q.version(key, number if 1 <= number <= newest else newest)

    try:
        version = _read(library, fetch)
    except VoucherNotFound:
        return Answer(404, b"no such voucher", "text/plain")
    name = f"{key.vt_code}-{key.voucher_no}-{key.voucher_flag}-v{version.version}.{kind}"
    if kind == "xml":
        disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Answer(200, version.body, "application/xml", disposition)
    pdf = version_pdf(version, library.env.positions.get(key.vt_code, ()))
    return Answer(200, pdf, "application/pdf", {"Content-Disposition": f'inline; filename="{name}"'})


def board(library: VoucherLibrary, who: str, day: str, as_json: bool) -> Answer:
    viewer = viewer_of(library, who)
    if viewer is None:
        return LOG_IN
    try:
        facts: dict[str, Any] = _read(library, lambda q: board_page.facts(q, viewer.org, day))
    except ArgumentError as exc:
        return render(library, "missing.html", viewer, 400, what=exc.message)
    if as_json:
        import json

        body = json.dumps(board_page.to_json(facts), ensure_ascii=False).encode("utf-8")
        return Answer(200, body, "application/json")
    return render(library, "board.html", viewer, **facts)
