"""What reference mode charges to the simulated clock: the wall time of every library call.

An httpx transport that wraps the real one (loopback HTTP, or any transport a test hands in),
reads the whole response inside the measurement and notes (operation, seconds). The operation
is the SOAP body's first element, as `mocks.client` writes it. The same samples are what
`guoku simulate calibrate` writes to a calibration file.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

_OPERATION = re.compile(rb"Body[^>]*>\s*<(?:[\w-]+:)?(\w+)")


@dataclass
class Recorder:
    """Every call made through the transports it gave out, in order."""

    calls: list[tuple[str, float]] = field(default_factory=list)

    def transport(self, inner: Callable[[], httpx.AsyncBaseTransport] | None = None) -> Callable[[], Timed]:
        """A factory for `mocks.world.World.transport`: each desk gets its own timed transport."""
        return lambda: Timed(self, inner() if inner else httpx.AsyncHTTPTransport())

    def samples(self) -> dict[str, list[float]]:
        """Operation -> wall times in milliseconds."""
        out: dict[str, list[float]] = {}
        for operation, seconds in self.calls:
            out.setdefault(operation, []).append(seconds * 1000.0)
        return out


class Timed(httpx.AsyncBaseTransport):
    def __init__(self, recorder: Recorder, inner: httpx.AsyncBaseTransport) -> None:
        self.recorder, self.inner = recorder, inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = request.content
        match = _OPERATION.search(body[:4096] if b"Body" in body[:4096] else body)
        started = time.perf_counter()
        response = await self.inner.handle_async_request(request)
        try:
            content = b"".join([chunk async for chunk in response.stream])
        finally:
            await response.stream.aclose()  # gives the connection back to the pool
        seconds = time.perf_counter() - started
        self.recorder.calls.append((match.group(1).decode() if match else "unknown", seconds))
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, extensions=response.extensions
        )

    async def aclose(self) -> None:
        await self.inner.aclose()
