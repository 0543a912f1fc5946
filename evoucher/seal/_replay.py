"""Checks that depend on the validation time only through comparisons, replayed for a later time.

Every stamp made with one seal by one signer repeats the same checks of that seal and of both
certificates: structure, maker signature, validity, chain, revocation. Their outcome is a
function of those bytes, the trust anchors, the CRLs, the policy, and the validation time,
which they compare with dates (validity windows, CRL updates, revocation dates) and use for
nothing else. So `TimeMemo` runs them once with a `_Clock` standing for the time, which records
every date it is compared with; a later time that compares the same way (before, equal, after)
with each of those dates takes the same branches, so the recorded result is its result too.
A run in which the time was used any other way (formatted into a note or an error, hashed,
added to) is not remembered, and the next one runs afresh.

Nothing needs invalidating: the key is the bytes (a new CRL or certificate is another key), and
the time is judged on every call.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_OWN = frozenset({"compared", "other_use", "__dict__", "__class__"})


def _comparison(op: Callable[[datetime, Any], Any]) -> Callable[[_Clock, Any], Any]:
    """The clock's `op`, recording the date compared with (anything else is another use)."""

    def compare(self: _Clock, other: Any) -> Any:
        if type(other) is datetime:
            sign = datetime.__gt__(self, other) - datetime.__lt__(self, other)  # raises as `op` would
            object.__getattribute__(self, "compared").append((other, sign))
        else:
            object.__setattr__(self, "other_use", True)
        return op(self, other)

    return compare


def _use(method: Callable[..., Any]) -> Callable[..., Any]:
    """The clock's `method`, noting that the run used the time for more than its order."""

    def used(self: _Clock, *args: Any) -> Any:
        object.__setattr__(self, "other_use", True)
        return method(self, *args)

    return used


class _Clock(datetime):
    """A datetime that records what it is compared with, and notes any other use of it."""

    compared: list[tuple[datetime, int]]
    other_use: bool

    @classmethod
    def at(cls, when: datetime) -> _Clock:
        args = (when.year, when.month, when.day, when.hour, when.minute, when.second, when.microsecond)
        clock = cls(*args, when.tzinfo, fold=when.fold)
        object.__setattr__(clock, "compared", [])
        object.__setattr__(clock, "other_use", False)
        return clock

    def __getattribute__(self, name: str) -> Any:
        if name not in _OWN:  # .year, .isoformat(), .astimezone()…: the run used more than order
            object.__setattr__(self, "other_use", True)
        return super().__getattribute__(name)

    __lt__ = _comparison(datetime.__lt__)
    __le__ = _comparison(datetime.__le__)
    __gt__ = _comparison(datetime.__gt__)
    __ge__ = _comparison(datetime.__ge__)
    __eq__ = _comparison(datetime.__eq__)  # type: ignore[assignment]
    __ne__ = _comparison(datetime.__ne__)  # type: ignore[assignment]
    # operator and builtin uses bypass __getattribute__
    __hash__ = _use(datetime.__hash__)  # type: ignore[assignment]
    __format__ = _use(datetime.__format__)
    __str__ = _use(datetime.__str__)
    __repr__ = _use(datetime.__repr__)
    __add__ = __radd__ = _use(datetime.__add__)
    __sub__ = _use(datetime.__sub__)
    __rsub__ = _use(datetime.__rsub__)
    __reduce_ex__ = _use(datetime.__reduce_ex__)


def _same_order(when: datetime, compared: list[tuple[datetime, int]]) -> bool:
    try:
        return all((when > other) - (when < other) == sign for other, sign in compared)
    except TypeError:  # naive against aware: the run itself would have raised, so run it
        return False


class TimeMemo(Generic[T]):
    """Per key, results of `compute(time)`, replayed for a time that compares alike; bounded LRU.

    Up to `keys` keys, each with up to `per_key` results for different stretches of time.
    """

    def __init__(self, keys: int = 256, per_key: int = 8) -> None:
        self._keys, self._per_key = keys, per_key
        self._entries: OrderedDict[Hashable, list[tuple[list[tuple[datetime, int]], T]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, when: datetime, compute: Callable[[datetime], T]) -> T:
        with self._lock:
            entries = self._entries.get(key)
            if entries is not None:
                self._entries.move_to_end(key)
                for compared, result in entries:
                    if _same_order(when, compared):
                        return result
        clock = _Clock.at(when)
        result = compute(clock)
        if not object.__getattribute__(clock, "other_use"):
            compared = object.__getattribute__(clock, "compared")
            with self._lock:
                entries = self._entries.setdefault(key, [])
                entries.insert(0, (compared, result))
                del entries[self._per_key :]
                self._entries.move_to_end(key)
                while len(self._entries) > self._keys:
                    self._entries.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
