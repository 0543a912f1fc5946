"""seal._replay.TimeMemo: a result is replayed only for a time that compares alike with every date
the run compared it with, and never when the run used the time any other way."""

from datetime import UTC, datetime, timedelta

import pytest

from evoucher.seal._replay import TimeMemo

BOUNDARY = datetime(2026, 6, 1, tzinfo=UTC)
BEFORE, EARLIER, AFTER = (datetime(2026, m, 1, 12, tzinfo=UTC) for m in (3, 2, 7))


class Counting:
    """A compute function that says which side of BOUNDARY the time is on, counting its runs."""

    def __init__(self, use=None):
        self.runs, self.use = 0, use

    def __call__(self, at):
        self.runs += 1
        if self.use is not None:
            self.use(at)
        return "valid" if at <= BOUNDARY else "expired"


def test_a_time_on_the_same_side_of_every_compared_date_is_answered_from_memory():
    memo, compute = TimeMemo(), Counting()
    assert memo.get("k", BEFORE, compute) == "valid"
    assert memo.get("k", EARLIER, compute) == "valid"
    assert compute.runs == 1
    assert memo.get("k", AFTER, compute) == "expired"  # the other side: run again
    assert memo.get("k", BEFORE, compute) == "valid"  # both stretches are kept
    assert memo.get("k", AFTER + timedelta(days=30), compute) == "expired"
    assert compute.runs == 2


def test_equal_to_a_compared_date_is_a_side_of_its_own():
    memo, compute = TimeMemo(), Counting()
    memo.get("k", AFTER, compute)
    assert memo.get("k", BOUNDARY, compute) == "valid"
    assert compute.runs == 2


def test_keys_do_not_share_results():
    memo, compute = TimeMemo(), Counting()
    memo.get("a", BEFORE, compute)
    memo.get("b", BEFORE, compute)
    assert compute.runs == 2


@pytest.mark.parametrize(
    "use",
    [
        lambda at: f"{at:%Y-%m-%d}",
        lambda at: str(at),
        lambda at: at.year,
        lambda at: at.isoformat(),
        lambda at: at + timedelta(days=1),
        lambda at: at - BOUNDARY,
        lambda at: BOUNDARY - at,
        lambda at: {at: 1},
        lambda at: at == "2026-03-01",
    ],
    ids=["formatted", "str", "a field", "isoformat", "added to", "subtracted from", "subtracted", "hashed",
         "compared with a non-date"],
)  # fmt: skip
def test_a_run_that_used_the_time_for_more_than_order_is_not_remembered(use):
    memo, compute = TimeMemo(), Counting(use)
    memo.get("k", BEFORE, compute)
    memo.get("k", BEFORE, compute)
    assert compute.runs == 2


def test_a_naive_time_against_remembered_aware_dates_runs_and_raises_as_the_run_would():
    memo, compute = TimeMemo(), Counting()
    memo.get("k", BEFORE, compute)
    with pytest.raises(TypeError):
        memo.get("k", BEFORE.replace(tzinfo=None), compute)


def test_memory_is_bounded():
    memo, compute = TimeMemo(keys=2, per_key=1), Counting()
    for key in ("a", "b", "c"):
        memo.get(key, BEFORE, compute)
    memo.get("a", BEFORE, compute)  # the oldest key was dropped
    memo.get("a", AFTER, compute)
    memo.get("a", BEFORE, compute)  # one stretch per key: AFTER replaced it
    assert compute.runs == 6
