"""Where a voucher's CPU goes: each listed function's own thread CPU time, without the listed
functions it calls.

A sampling profiler misattributes on this server (a thread that waits for the GIL is sampled
where it waits), and cProfile's per-call cost inflates small functions several times over. So
`bench_pipeline` (without --before) wraps a chosen set of functions instead: each wrapper reads
`time.thread_time()` around its call and subtracts what the wrapped functions it called took, so
the figures add up to the thread's CPU. Every module that imported a function by name gets the
wrapper too. The wrappers cost about a microsecond a call, printed beside the table.
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

# the send path's stages, request thread and store writer: "module:qualified name"
SEND_PATH = (
    "voucherlib.soap.envelope:parse_request",
    "voucherlib.soap.envelope:decode_args",
    "voucherlib.soap.envelope:build_response",
    "evoucher.wsauth:Verifier.screen",
    "evoucher.wsauth:Verifier.verify",
    "voucherlib.nonces:SharedNonces.remember",
    "voucherlib.service:VoucherLibrary.resolve_caller",
    "voucherlib.service:VoucherLibrary.call",
    "voucherlib.service.incoming:receive",
    "voucherlib.service.seals:verify_carried",
    "voucherlib.service.writing:store_bodies",
    "evoucher.codec.mof:parse_mof",
    "evoucher.codec.mof:MofBody.parsed_voucher",
    "evoucher.registry.validate:validate_mof_body",
    "evoucher.stamp:verify_body",
    "evoucher.seal.model:load_signature",
    "evoucher.seal.verify:verify_signature",
    "evoucher.seal.verify:_check_parties",
    "evoucher.seal.verify:_check_document_signature",
    "evoucher.seal.verify:_check_data_and_binding",
    "evoucher.seal._run:Run.report",
    "evoucher.crypto.sm2:verify_digest",
    "evoucher.crypto.sm3:sm3",
    "voucherlib.store.api:Store.atomic",
    "voucherlib.store.sqlite:SQLiteBackend._commit",
    "voucherlib.store._dialect:SqlBase.run",
    "voucherlib.store._documents:DocumentOps.keep",
    "voucherlib.store._deliveries:DeliveryOps.send",
    "voucherlib.store._unit:UnitOfWork.finish",
)


class Stages:
    """Own CPU time and calls per wrapped function, across threads."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._local = threading.local()

    def _wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            stack = self._local.__dict__.setdefault("stack", [])  # CPU of wrapped callees, per level
            start = time.thread_time()
            stack.append(0.0)
            try:
                return function(*args, **kwargs)
            finally:
                took = time.thread_time() - start
                self.seconds[name] += took - stack.pop()
                self.calls[name] += 1
                if stack:
                    stack[-1] += took

        timed.__wrapped__ = function  # type: ignore[attr-defined]
        return timed

    def install(self, specs: Iterable[str]) -> None:
        """Wrap each "module:qualname": a method on its class, a function wherever it was imported."""
        for spec in specs:
            module_name, _, qualname = spec.partition(":")
            owner: Any = importlib.import_module(module_name)
            *path, attribute = qualname.split(".")
            for part in path:
                owner = getattr(owner, part)
            original = getattr(owner, attribute)
            timed = self._wrap(spec, original)
            if path:
                setattr(owner, attribute, timed)
                continue
            for module in list(sys.modules.values()):
                names = getattr(module, "__dict__", {})
                for key, value in list(names.items()):
                    if value is original:
                        setattr(module, key, timed)

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def table(self, per: int) -> list[tuple[str, float, float]]:
        """(stage, ms of own CPU, calls), each per `per` (vouchers), largest first."""
        return [(name, 1e3 * s / per, self.calls[name] / per) for name, s in self.seconds.most_common()]
