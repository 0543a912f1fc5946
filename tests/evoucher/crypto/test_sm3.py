"""SM3 with a remembered head (sm3.sm3_after) is SM3 of the whole, however often a head comes back,
and a digest over a message whose head recurs is the same digest (sm2.message_digest)."""

from hypothesis import given
from hypothesis import strategies as st

from evoucher.crypto import sm2
from evoucher.crypto.sm3 import HEADS, _states, sm3, sm3_after

# GB/T 32905-2016 Appendix A, example 1: SM3("abc")
ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_the_standards_example_split_anywhere():
    assert all(sm3_after(b"abc"[:n], b"abc"[n:]).hex() == ABC for n in range(4))


@given(
    st.lists(st.tuples(st.sampled_from([b"", b"x" * 63, b"y" * 64, b"z" * 7000]), st.binary(max_size=200)))
)
def test_a_recurring_head_gives_sm3_of_the_whole_each_time(calls):
    for head, tail in calls:  # the same heads again and again: a state used in place would drift
        assert sm3_after(head, tail) == sm3(head + tail)


def test_only_the_last_heads_are_kept():
    for n in range(HEADS + 10):
        sm3_after(n.to_bytes(4, "big"), b"tail")
    assert len(_states) == HEADS


@given(st.binary(max_size=300), st.integers(0, 300))
def test_a_message_digest_over_a_recurring_head_is_the_same_digest(message, recurring):
    key = sm2.PrivateKey.from_bytes(bytes(31) + b"\x07").public_key
    assert sm2.message_digest(key, message, recurring=min(recurring, len(message))) == sm2.message_digest(
        key, message
    )
