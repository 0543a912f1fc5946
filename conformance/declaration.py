"""What the vendor declares its library implements (OIDF variants, OBUK discovery, OGC ICS).

A small TOML file::

    profile = "2.0"            # the interface profile the library serves
    auth = true                # checks the CallerAuth header (VL-WIRE-020..026)
    export_pdf = true          # offers exportPDF
    attachments = true         # offers sendData / getData
    server_stamping = true     # stamps and signs server-side (signStampByNos, writeVoucher, ...)
    restart_cmd = "systemctl restart vlib"   # optional: how to restart it (durability checks)

Omitted keys take the values above (restart_cmd: none). A check needing an undeclared feature is
NOT APPLICABLE, never passed.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any


class DeclarationError(ValueError):
    """The declaration file is unreadable or names what the suite does not know."""


@dataclass(frozen=True)
class Declaration:
    profile: str = "2.0"
    auth: bool = True
    export_pdf: bool = True
    attachments: bool = True
    server_stamping: bool = True
    restart_cmd: str | None = None

    def has(self, feature: str) -> bool:
        if feature == "restart":
            return bool(self.restart_cmd)
        return bool(getattr(self, feature))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def read_declaration(path: Path | None, **overrides: Any) -> Declaration:
    """The declaration in `path` (defaults when None), with non-None `overrides` (CLI flags) on top."""
    values: dict[str, Any] = {}
    if path is not None:
        try:
            values = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise DeclarationError(f"declaration {path}: {exc}") from exc
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name: f for f in fields(Declaration)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise DeclarationError(f"declaration: unknown keys {unknown}; known: {sorted(known)}")
    if values.get("profile", "2.0") not in ("1.0", "2.0"):
        raise DeclarationError(f'declaration: profile must be "1.0" or "2.0", got {values["profile"]!r}')
    for key, value in values.items():
        if key not in ("profile", "restart_cmd") and not isinstance(value, bool):
            raise DeclarationError(f"declaration: {key} must be true or false, got {value!r}")
    return Declaration(**values)
