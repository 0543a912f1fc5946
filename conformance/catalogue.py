"""The registry of checks: each is declared with `@requirement(...)` and tagged with the ids it tests.

    @requirement("VL-WIRE-005", profiles={"2.0"})
    def missing_argument_is_evs111(ctx):
        \"\"\"A missing argument is refused with EVS111.\"\"\"

The check's id is `<area>.<function name>` (area = its module under `conformance.checks`), its
title the first line of its docstring. `each=[(suffix, value), ...]` declares one check per value
(`<id>.<suffix>`, called as `check(ctx, value)`): derived checks, e.g. one per catalogue operation;
a third element adds requirement ids of that variant only.
`needs` names declaration features (`auth`, `export_pdf`, `attachments`, `server_stamping`,
`restart`); a check whose feature is not declared is NOT APPLICABLE. The registry feeds the engine,
`--only`, the reports and the coverage page (docs/conformance.md).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

AREAS = (
    "flows",
    "wire",
    "encoded",
    "hostile",
    "corpus",
    "auth",
    "encoding",
    "registry",
    "seals",
    "stamps",
    "lifecycle",
    "routing",
    "options",
    "stateful",
    "durability",
)
FEATURES = ("auth", "export_pdf", "attachments", "server_stamping", "restart")


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    doc: str
    area: str
    requirements: tuple[str, ...]
    profiles: frozenset[str]
    needs: frozenset[str]
    func: Callable[..., None]
    arg: Any = None
    has_arg: bool = False

    def run(self, ctx: Any) -> None:
        if self.has_arg:
            self.func(ctx, self.arg)
        else:
            self.func(ctx)


REGISTRY: dict[str, Check] = {}


def requirement(
    *ids: str,
    profiles: Iterable[str] = ("1.0", "2.0"),
    needs: Iterable[str] = (),
    each: Sequence[tuple[Any, ...]] | None = None,
    name: str | None = None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register the decorated function as a check (or one per `each` value) testing `ids`."""
    if not ids:
        raise ValueError("a check must name at least one requirement id")
    unknown = set(needs) - set(FEATURES)
    if unknown:
        raise ValueError(f"needs: unknown features {sorted(unknown)}; known: {FEATURES}")

    def register(func: Callable[..., None]) -> Callable[..., None]:
        area = func.__module__.rpartition(".")[2]
        if area not in AREAS:
            raise ValueError(f"{func.__module__}: checks live in conformance.checks.<area>, one of {AREAS}")
        doc = (func.__doc__ or "").strip()
        if not doc:
            raise ValueError(f"{func.__qualname__}: a check's docstring states the requirement it tests")
        base = f"{area}.{(name or func.__name__).replace('_', '-')}"
        variants = (
            [(None, None, False, ())] if each is None else [(e[0], e[1], True, tuple(e[2:3])) for e in each]
        )
        for suffix, value, has_arg, extra in variants:
            check_id = base if suffix is None else f"{base}.{suffix}"
            if check_id in REGISTRY:
                raise ValueError(f"check id {check_id!r} declared twice")
            title = doc.splitlines()[0].format(suffix if suffix is not None else "")
            REGISTRY[check_id] = Check(
                check_id,
                title,
                doc,
                area,
                tuple(dict.fromkeys((*ids, *(extra[0] if extra else ())))),
                frozenset(profiles),
                frozenset(needs),
                func,
                value,
                has_arg,
            )
        return func

    return register


def load() -> dict[str, Check]:
    """Every check of every module under `conformance.checks`, in area order, then declaration order."""
    import conformance.checks as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    return dict(sorted(REGISTRY.items(), key=lambda item: AREAS.index(item[1].area)))


def select(checks: dict[str, Check], only: Iterable[str] | None) -> dict[str, Check]:
    """The checks named by `only`: check ids, id prefixes (`seals.`), areas or requirement ids."""
    if not only:
        return dict(checks)
    wanted = [w.strip() for w in only if w.strip()]
    chosen = {
        cid: c
        for cid, c in checks.items()
        if any(w in (cid, c.area) or cid.startswith(w + ".") or w in c.requirements for w in wanted)
    }
    unknown = [
        w
        for w in wanted
        if not any(
            w in (cid, c.area) or cid.startswith(w + ".") or w in c.requirements for cid, c in checks.items()
        )
    ]
    if unknown:
        raise KeyError(f"--only: no check, area or requirement named {', '.join(unknown)}")
    return chosen
