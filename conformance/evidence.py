"""Every SOAP request and response of a check, recorded at the httpx transport (the client's seam).

The recorder sits under `mocks.VoucherLibraryClient`, so what is kept is exactly what crossed
the wire. Requests carry only public material (certificates, signatures, stamps); a body that
would hold a PEM private key is refused outright rather than stored (no secret ever reaches a report).
"""

from __future__ import annotations

import re
import time
from collections import deque

import httpx

from conformance.outcomes import Exchange

MAX_KEPT = 60  # exchanges kept per check as evidence (the first and the last half); all are counted
MAX_CHARS = 12_000  # characters kept of one message
_OPERATION = re.compile(rb"<(?:[\w.-]+:)?Body[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)")
_PRIVATE = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")


def _text(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace")
    if _PRIVATE.search(text):
        return "[withheld: the message contains a private key]"
    if len(text) > MAX_CHARS:
        return f"{text[:MAX_CHARS]}… [{len(text) - MAX_CHARS} more characters not kept]"
    return text


class Recorder:
    """Collects the exchanges of one check: `calls` counts all, `kept` the first and last MAX_KEPT / 2.

    A failure usually shows in the last exchanges, the setup in the first."""

    def __init__(self) -> None:
        self.first: list[Exchange] = []
        self.last: deque[Exchange] = deque(maxlen=MAX_KEPT // 2)
        self.calls = 0

    @property
    def kept(self) -> list[Exchange]:
        return [*self.first, *self.last]

    def add(self, request: bytes, service: str, status: int | None, response: bytes, ms: float) -> None:
        self.calls += 1
        found = _OPERATION.search(request[:4096])
        operation = found.group(1).decode() if found else "?"
        exchange = Exchange(operation, service, _text(request), status, _text(response), ms)
        (self.first.append if len(self.first) < MAX_KEPT // 2 else self.last.append)(exchange)


def _service(request: httpx.Request) -> str:
    return request.url.path.rstrip("/").rpartition("/")[2]


class RecordingTransport(httpx.BaseTransport):
    """A synchronous transport that records each exchange in `recorder` (the current check's).

    `inner` is the run's one connection pool (an SSL context costs ~70 ms to build); closing a
    client leaves it open: the run closes it once at the end."""

    def __init__(self, recorder: Recorder, inner: httpx.BaseTransport) -> None:
        self.recorder, self.inner = recorder, inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        started = time.perf_counter()
        try:
            response = self.inner.handle_request(request)
            content = response.read()
        except httpx.HTTPError as exc:
            self.recorder.add(body, _service(request), None, f"[{type(exc).__name__}: {exc}]".encode(), 0.0)
            raise
        ms = (time.perf_counter() - started) * 1000
        self.recorder.add(body, _service(request), response.status_code, content, ms)
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )

    def close(self) -> None:
        self.inner.close()


class AsyncRecordingTransport(httpx.AsyncBaseTransport):
    """The same for the parties of `mocks` (async), counting their calls in `recorder`."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder, self.inner = recorder, httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        started = time.perf_counter()
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        ms = (time.perf_counter() - started) * 1000
        self.recorder.add(body, _service(request), response.status_code, content, ms)
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )

    async def aclose(self) -> None:
        await self.inner.aclose()
