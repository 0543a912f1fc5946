"""Scenarios are data: a TOML file read into frozen dataclasses, every number with its provenance.

A number is written `{v = 50, tag = "stated", src = "ITFE itfeesb.properties"}`: `tag` is one of
stated / derived / assumed (docs/sim.md, reference sim-calibration.md) and `src` says where it
comes from. The loader refuses an untagged number, an unknown flow, a bad date or clock time,
naming the field, so a scenario cannot silently carry a figure nobody vouched for.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.flows import ROUTES

TAGS = ("stated", "derived", "assumed")
SHIPPED = Path(__file__).parent / "scenarios"
LEVELS = ("province", "city", "county")
KINDS = ("treasury", "agent_treasury", "half_level")


class ScenarioError(ValueError):
    """A scenario file that does not say what the model needs; the message names the field."""


@dataclass(frozen=True)
class Tagged:
    value: Any
    tag: str
    src: str


@dataclass(frozen=True)
class Flow:
    """Daily volume of one business type: `daily` documents per region (or per online unit, per bank)."""

    name: str
    daily: float
    per: str  # "region" | "unit" | "bank"
    window: tuple[int, int]  # minutes after midnight in which applications arrive
    amount: tuple[int, int]  # yuan, uniform in whole hundreds
    levels: tuple[str, ...]
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Region:
    """A group of `count` alike regions (the province, the cities, a batch of counties)."""

    name: str
    level: str
    kind: str
    count: int
    banks: int
    units: int  # budget units online (their applications go electronic with 授权支付)
    adm: tuple[str, ...]  # AdmDivCodes when the regions are real divisions of an environment
    electronic: dict[str, dt.date]  # flow name -> go-live date (absent: paper for the whole run)
    profiles: tuple[tuple[dt.date, str, str, int], ...]  # (from, role, profile, first n parties or 0: all)
    unit_banks: tuple[int, ...] = ()  # the agent bank (index) of each online unit; default unit % banks


@dataclass(frozen=True)
class Fault:
    kind: str  # library_outage | bank_offline | tips_failure | cert_revoked
    start: dt.datetime
    minutes: float
    share: float = 1.0  # tips_failure: share of payments failing; cert_revoked: of the party's vouchers
    target: str = ""  # bank_offline / cert_revoked: "<region>/<role>"
    fallback: float = 0.0  # library_outage: share of the queued applications done on paper (应急预案)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    start: dt.date
    days: int
    numbers: dict[str, Tagged]  # every tagged number by its dotted path, for the report
    clock: dict[str, int]  # minutes after midnight
    poll: dict[str, float]  # minutes between a role's ITFE cycles
    library: dict[str, Any]
    steps: dict[str, Any]  # paper and electronic step times (minutes), courier runs, shares
    calendar: dict[str, Any]
    regions: tuple[Region, ...]
    flows: tuple[Flow, ...]
    faults: tuple[Fault, ...] = ()
    reconcile: bool = False
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def tagged(self, path: str) -> Tagged:
        return self.numbers[path]


def _minutes(value: Any, where: str) -> int:
    try:
        hours, minutes = str(value).split(":")
        total = int(hours) * 60 + int(minutes)
    except ValueError:
        raise ScenarioError(f"{where}: a clock time HH:MM is needed, got {value!r}") from None
    if not 0 <= total <= 24 * 60:
        raise ScenarioError(f"{where}: {value!r} is not a time of day")
    return total


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ScenarioError(f"{where}: a date YYYY-MM-DD is needed, got {value!r}") from None


class _Reader:
    """Unwraps tagged numbers and remembers each under its dotted path."""

    def __init__(self) -> None:
        self.numbers: dict[str, Tagged] = {}

    def num(self, raw: Any, where: str) -> Any:
        if not isinstance(raw, dict) or "v" not in raw:
            raise ScenarioError(f"{where}: every number is {{v = …, tag = …, src = …}}, got {raw!r}")
        tag, src = raw.get("tag"), raw.get("src", "")
        if tag not in TAGS:
            raise ScenarioError(f"{where}: tag must be one of {', '.join(TAGS)}, got {tag!r}")
        if not src:
            raise ScenarioError(f"{where}: src (the source, or why it is assumed) is missing")
        self.numbers[where] = Tagged(raw["v"], tag, src)
        return raw["v"]

    def table(self, raw: dict[str, Any], where: str) -> dict[str, Any]:
        return {key: self.num(value, f"{where}.{key}") for key, value in raw.items()}


def _flow(reader: _Reader, raw: dict[str, Any], i: int) -> Flow:
    where = f"flows[{i}]"
    name = raw.get("name", "")
    if name not in ROUTES or ROUTES[name].internal:
        known = ", ".join(n for n, r in ROUTES.items() if not r.internal)
        raise ScenarioError(f"{where}.name: unknown flow {name!r}; known: {known}")
    where = f"flows.{name}"
    per = raw.get("per", "region")
    if per not in ("region", "unit", "bank"):
        raise ScenarioError(f"{where}.per: 'region', 'unit' or 'bank', got {per!r}")
    window = tuple(_minutes(t, f"{where}.window") for t in raw.get("window", ("08:30", "15:30")))
    low, high = reader.num(raw["amount"], f"{where}.amount") if "amount" in raw else (100, 100)
    daily = float(reader.num(raw.get("daily"), f"{where}.daily"))
    if daily < 0 or window[0] >= window[1]:
        raise ScenarioError(f"{where}: daily must not be negative and the window must open before it closes")
    levels = tuple(raw.get("levels", LEVELS))
    kinds = tuple(raw.get("kinds", ("treasury", "agent_treasury")))
    return Flow(name, daily, per, (window[0], window[1]), (int(low), int(high)), levels, kinds)


def _region(reader: _Reader, raw: dict[str, Any], i: int) -> Region:
    name = raw.get("name") or f"regions[{i}]"
    where = f"regions.{name}"
    level, kind = raw.get("level"), raw.get("kind", "treasury")
    if level not in LEVELS or kind not in KINDS:
        raise ScenarioError(f"{where}: level must be one of {LEVELS} and kind one of {KINDS}")
    count = int(
        reader.num(raw.get("count", {"v": 1, "tag": "stated", "src": "one region"}), f"{where}.count")
    )
    electronic = {}
    for flow, when in raw.get("electronic", {}).items():
        if flow not in ROUTES:
            raise ScenarioError(f"{where}.electronic: unknown flow {flow!r}")
        electronic[flow] = _date(reader.num(when, f"{where}.electronic.{flow}"), f"{where}.electronic.{flow}")
    profiles = []
    for j, row in enumerate(raw.get("profiles", [])):
        if row.get("profile") not in ("1.0", "2.0"):
            raise ScenarioError(f"{where}.profiles[{j}].profile: '1.0' or '2.0', got {row.get('profile')!r}")
        when = _date(reader.num(row["from"], f"{where}.profiles[{j}].from"), f"{where}.profiles[{j}].from")
        profiles.append((when, row.get("role", "*"), row["profile"], int(row.get("first", 0))))
    adm = tuple(raw.get("adm", ()))
    if adm and len(adm) != count:
        raise ScenarioError(f"{where}.adm: {len(adm)} codes for {count} regions")
    return Region(
        name,
        level,
        kind,
        count,
        int(reader.num(raw["banks"], f"{where}.banks")),
        int(reader.num(raw["units"], f"{where}.units")),
        adm,
        electronic,
        tuple(sorted(profiles)),
        tuple(int(b) for b in reader.num(raw["unit_banks"], f"{where}.unit_banks"))
        if "unit_banks" in raw
        else (),
    )


def _fault(reader: _Reader, raw: dict[str, Any], i: int) -> Fault:
    where = f"faults[{i}]"
    kind = raw.get("kind")
    if kind not in ("library_outage", "bank_offline", "tips_failure", "cert_revoked"):
        raise ScenarioError(f"{where}.kind: unknown fault {kind!r}")
    start = raw.get("start")
    if not isinstance(start, dt.datetime):
        raise ScenarioError(f"{where}.start: a TOML local date-time (2018-06-29T10:00:00), got {start!r}")
    minutes = float(reader.num(raw["minutes"], f"{where}.minutes"))
    share = float(reader.num(raw["share"], f"{where}.share")) if "share" in raw else 1.0
    fallback = float(reader.num(raw["fallback"], f"{where}.fallback")) if "fallback" in raw else 0.0
    return Fault(kind, start, minutes, share, raw.get("target", ""), fallback)


def parse(data: dict[str, Any], *, source: str = "") -> Scenario:
    """A Scenario from TOML data; ScenarioError names the first field that is wrong."""
    reader = _Reader()
    for key in ("name", "start", "clock", "poll", "library", "steps", "regions", "flows"):
        if key not in data:
            raise ScenarioError(
                f"{key}: missing (a scenario needs name, start, clock, poll, library, "
                "steps, regions and flows)"
            )
    clock = {k: _minutes(reader.num(v, f"clock.{k}"), f"clock.{k}") for k, v in data["clock"].items()}
    for needed in ("open", "close", "pboc_open", "bank_cutoff", "clearing", "day_cut"):
        if needed not in clock:
            raise ScenarioError(f"clock.{needed}: missing")
    poll = reader.table(data["poll"], "poll")
    for role in ("finance", "pboc", "bank", "unit"):
        if float(poll.get(role, 0)) <= 0:
            raise ScenarioError(f"poll.{role}: the minutes between ITFE cycles must be positive")
    library = {
        k: (v if k in ("calibration",) else reader.num(v, f"library.{k}")) for k, v in data["library"].items()
    }
    if int(library.get("workers", 0)) < 1:
        raise ScenarioError("library.workers: at least one worker")
    calendar = reader.table(data.get("calendar", {}), "calendar")
    return Scenario(
        name=data["name"],
        description=data.get("description", ""),
        start=_date(data["start"], "start"),
        days=int(data.get("days", 1)),
        numbers=reader.numbers,
        clock=clock,
        poll={"payee": float(poll["bank"])} | {k: float(v) for k, v in poll.items()},  # a bank too
        library=library,
        steps=reader.table(data["steps"], "steps"),
        calendar=calendar,
        regions=tuple(_region(reader, r, i) for i, r in enumerate(data["regions"])),
        flows=tuple(_flow(reader, f, i) for i, f in enumerate(data["flows"])),
        faults=tuple(_fault(reader, f, i) for i, f in enumerate(data.get("faults", []))),
        reconcile=bool(data.get("reconcile", False)),
        source=source,
    )


def shipped() -> list[str]:
    return sorted(p.stem for p in SHIPPED.glob("*.toml"))


def _read(path: Path) -> dict[str, Any]:
    """The TOML at `path`, laid over its `base` scenario (tables merge key by key, the rest replaces)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    if "base" not in data:
        return data
    merged = _read(_find(data.pop("base")))
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _find(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if not path.is_file():
        path = SHIPPED / f"{name_or_path}.toml"
    if not path.is_file():
        raise ScenarioError(f"scenario {name_or_path!r}: no such file; shipped: {', '.join(shipped())}")
    return path


def load(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by name (`zhejiang`) or any TOML file by path."""
    path = _find(name_or_path)
    return parse(_read(path), source=str(path))
