"""SM3 (GB/T 32905) from `cryptography`, which implements it in C."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict

from cryptography.hazmat.primitives import hashes

HEADS = 64  # hash states kept by sm3_after
_states: OrderedDict[bytes, hashes.Hash] = OrderedDict()
_states_lock = threading.Lock()


def sm3(data: bytes) -> bytes:
    """SM3 digest (32 bytes) of `data`."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


@functools.lru_cache(maxsize=16)
def sm3_recent(data: bytes) -> bytes:
    """SM3 of `data`, remembered for the last 16 inputs: a voucher's bytes are hashed by each of its
    stamps' checks and again by the store, with other requests' in between. For vouchers (at
    most 1 MiB each, codec.safe.MAX_VOUCHER_BYTES) that keeps at most 16 MiB alive, ~0.5 MB
    in practice."""
    return sm3(data)


def sm3_after(head: bytes, tail: bytes) -> bytes:
    """SM3(head ‖ tail) where `head` recurs: the state after hashing it is remembered (the last
    HEADS heads), so only `tail` is hashed again. Every stamp made with a seal signs a TBS_Sign
    that starts with that seal (~4-8 KiB), and its own part after it is a few hundred bytes."""
    with _states_lock:
        state = _states.get(head)
        if state is not None:
            _states.move_to_end(head)
            state = state.copy()
    if state is None:
        state = hashes.Hash(hashes.SM3())
        state.update(head)
        with _states_lock:
            _states[head] = state.copy()
            while len(_states) > HEADS:
                _states.popitem(last=False)
    state.update(tail)
    return state.finalize()
