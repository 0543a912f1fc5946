"""Requests signed ahead and replayed over raw keep-alive connections: a client that costs ~nothing.

To see what the server can do on every core, the load generator must not take a core's worth of
CPU itself. Our SOAP client signs each request's CallerAuth header (an SM2 signature) and builds
it with httpx, about as much CPU per voucher as half the server's. So before each timed run the
benchmark has our client sign the whole run's requests (fresh nonces, Created = now, well inside
the 300 s window), captures their bytes, and `drive` replays them: each connection takes the next
voucher's requests and sends them in order, waiting for each answer. The server does exactly
the work a live client causes; the client's own CPU is measured by the caller (os.times).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import httpx
from lxml import etree

from benchmarks._load import SERVICE, http_post
from benchmarks._vouchers import ADM, FINANCE, VT, YEAR
from evoucher.interface import NAMESPACE, SOAP_ENV
from evoucher.pki import Environment
from mocks import VoucherLibraryClient
from mocks.errors import ResponseError

Supply = Callable[[], tuple[str, bytes] | None]


class Recorder:
    """Our SOAP client as `who`, answered by no server: each call's request as HTTP bytes on the wire."""

    def __init__(self, url: str, env: Environment, who: str = FINANCE) -> None:
        self.url, self._sent = url, []
        holder = env.holder(env.party(who).cert_id)
        self.client = VoucherLibraryClient(
            url, service=SERVICE[who], cert_id=holder.cert_id, key=holder.key, cert_der=holder.cert.dump(),
            transport=httpx.MockTransport(self._answer),
        )  # fmt: skip

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self._sent.append(http_post(self.url, request.url.path, request.content))
        op = etree.QName(etree.fromstring(request.content).find(f"{{{SOAP_ENV}}}Body/*")).localname
        xml = (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body><ns:{op}Response '
               f'xmlns:ns="{NAMESPACE}"/></soapenv:Body></soapenv:Envelope>')  # fmt: skip
        return httpx.Response(200, content=xml.encode(), headers={"Content-Type": "text/xml"})

    def record(self, call: Callable[[VoucherLibraryClient], object]) -> bytes:
        with contextlib.suppress(ResponseError):  # the empty answer lacks what a read returns
            call(self.client)
        return self._sent.pop()


def send_path(finance: Recorder, voucher_no: str, mof: bytes) -> list[bytes]:
    """Finance's saveStampVoucher of `mof` and sendVoucher of it to the PBoC, signed now."""
    return [
        finance.record(lambda c: c.save_stamp_voucher(ADM, YEAR, VT, mof)),
        finance.record(lambda c: c.send_voucher(ADM, "011", "001", YEAR, VT, [voucher_no])),
    ]


def send_path_requests(url: str, env: Environment, supply: Supply, count: int) -> list[list[bytes]]:
    """Up to `count` vouchers' saveStampVoucher + sendVoucher, signed now, as HTTP requests."""
    finance, planned = Recorder(url, env), []
    while len(planned) < count and (item := supply()) is not None:
        planned.append(send_path(finance, *item))
    return planned


async def drive(url: str, planned: list[list[bytes]], *, clients: int, seconds: float) -> tuple[int, float]:
    """(vouchers done, elapsed): `clients` connections take planned vouchers until `seconds` or none left.

    Any answer but HTTP 200 fails the run: refusals counted as throughput would measure nothing.
    """
    parts = urlsplit(url)
    queue: Iterator[list[bytes]] = iter(planned)  # one event loop: next() needs no lock
    done = 0
    start = time.perf_counter()
    deadline = start + seconds

    async def connection() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while time.perf_counter() < deadline:
                requests = next(queue, None)
                if requests is None:
                    return
                for request in requests:
                    writer.write(request)
                    await read_response(reader)
                done += 1
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(clients)))
    return done, time.perf_counter() - start


async def read_response(reader: asyncio.StreamReader) -> bytes:
    """One HTTP/1.1 response's body; RuntimeError (with the body's start) unless it is a 200."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise RuntimeError("response without Content-Length")
    body = await reader.readexactly(length)
    status = head.split(b" ", 2)[1]
    if status != b"200":
        raise RuntimeError(f"HTTP {status.decode()}: {body[:300].decode(errors='replace')}")
    return body
