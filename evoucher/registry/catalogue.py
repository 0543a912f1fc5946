"""The VtCode catalogue: names, routes, business lines and stamp layouts, read from catalogue.tsv.

The table is a hand-written overlay: facts from reference `realware-interface.md` §5 (names,
directions, DetailList) and §10 (1.0/2.0 codes), our English names, and our decisions where
the public record is silent (each says so in its note). Codes marked name-only appear in ITFE
only as constants: we know their name, not their fields.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from typing import NamedTuple

from evoucher.registry.model import Business, Role

ROLES = {
    "F": Role.FINANCE,
    "P": Role.PBOC,
    "B": Role.AGENT_BANK,
    "RB": Role.PAYEE_BANK,
    "U": Role.BUDGET_UNIT,
}

# 1.0 code -> 2.0 code (interface spec 20141015_V2.0, reference §10)
REPLACED_BY = {"3251": "3210", "3453": "3404", "3454": "3405", "3455": "3406"}


class Entry(NamedTuple):
    zh: str
    en: str
    sender: Role | None
    receivers: tuple[Role, ...]
    business: Business
    detail_list: bool
    stamps: str
    profiles: tuple[str, ...]
    name_only: bool
    note: str


@cache
def catalogue() -> dict[str, Entry]:
    """VtCode -> catalogue entry, in file order."""
    text = resources.files("evoucher.registry").joinpath("catalogue.tsv").read_text(encoding="utf-8")
    rows = csv.DictReader((line for line in text.splitlines() if not line.startswith("#")), delimiter="\t")
    return {
        row["vt_code"]: Entry(
            zh=row["zh_name"],
            en=row["en_name"],
            sender=ROLES.get(row["sender"]),
            receivers=tuple(ROLES[r] for r in row["receivers"].split(",") if r in ROLES),
            business=Business(row["business"]),
            detail_list=row["detail_list"] == "Y",
            stamps=row["stamps"],
            profiles=tuple(row["profiles"].split(",")),
            name_only=row["name_only"] == "Y",
            note=row["note"],
        )
        for row in rows
    }
