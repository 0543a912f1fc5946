"""Load generators on loopback: the send path through our SOAP client, and a raw HTTP client.

`drive_send_path` runs N finance clients, each saving a stamped 5207 (saveStampVoucher) and
sending it to the PBoC (sendVoucher), until a deadline; with `confirm`, each voucher is then
read and signed for by the PBoC (readVoucherAgain, confirmVoucher) under one lock, as one
treasury system reads its queue in order. `drive_raw` replays fixed requests over keep-alive
connections with almost no client cost, to time a server's bare HTTP stack.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import httpx
from lxml import etree

from benchmarks._vouchers import ADM, FINANCE, PBOC, VT, YEAR
from evoucher.codec import parse_mof
from evoucher.interface import NAMESPACE, SOAP_ENV
from evoucher.pki import Environment
from mocks import AsyncVoucherLibraryClient, VoucherLibraryClient

Supply = Callable[[], tuple[str, bytes] | None]
SERVICE = {FINANCE: "AsspFinanceService", PBOC: "AsspCBankService"}


def client(url: str, env: Environment, who: str) -> AsyncVoucherLibraryClient:
    """`who`'s async client, signing every request with its certificate (CallerAuth)."""
    party = env.party(who)
    holder = env.holder(party.cert_id)
    return AsyncVoucherLibraryClient(
        url, service=SERVICE[who], cert_id=party.cert_id, key=holder.key, cert_der=holder.cert.dump()
    )


async def drive_send_path(
    url: str,
    env: Environment,
    supply: Supply,
    *,
    clients: int,
    seconds: float,
    confirm: bool = False,
    on_done: Callable[[int], None] = lambda n: None,
) -> tuple[int, float]:
    """(vouchers done, elapsed seconds): no voucher is started after `seconds`, started ones finish.

    `on_done(n)` is called as vouchers complete (n at a time). A fault fails the run: a benchmark
    that counted refusals as throughput would measure nothing.
    """
    done = 0
    lock = asyncio.Lock()
    pboc = client(url, env, PBOC) if confirm else None
    start = time.perf_counter()
    deadline = start + seconds

    async def sign_for_pending() -> int:
        async with lock:
            read = parse_mof(await pboc.read_voucher_again(ADM, YEAR, VT, 100))
            if read:
                await pboc.confirm_voucher(ADM, YEAR, VT, [b.voucher_no for b in read])
            return len(read)

    async def worker() -> None:
        nonlocal done
        async with client(url, env, FINANCE) as fin:
            while time.perf_counter() < deadline and (item := supply()) is not None:
                voucher_no, mof = item
                await fin.save_stamp_voucher(ADM, YEAR, VT, mof)
                await fin.send_voucher(ADM, "011", "001", YEAR, VT, [voucher_no])
                if pboc is not None:
                    await sign_for_pending()
                done += 1
                on_done(1)

    try:
        await asyncio.gather(*(worker() for _ in range(clients)))
    finally:
        if pboc is not None:
            await pboc.aclose()
    return done, time.perf_counter() - start


def captured_request(call: Callable[[VoucherLibraryClient], object], url: str, env: Environment) -> bytes:
    """The exact request body our client sends for `call(client)` (as finance), answered by no server."""
    sent: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        op = etree.QName(etree.fromstring(request.content).find(f"{{{SOAP_ENV}}}Body/*")).localname
        xml = (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body><ns:{op}Response '
               f'xmlns:ns="{NAMESPACE}"/></soapenv:Body></soapenv:Envelope>')  # fmt: skip
        return httpx.Response(200, content=xml.encode(), headers={"Content-Type": "text/xml"})

    party = env.party(FINANCE)
    holder = env.holder(party.cert_id)
    with VoucherLibraryClient(
        url, service=SERVICE[FINANCE], cert_id=party.cert_id, key=holder.key, cert_der=holder.cert.dump(),
        transport=httpx.MockTransport(answer),
    ) as fake:  # fmt: skip
        call(fake)
    return sent[-1]


def http_post(url: str, path: str, body: bytes) -> bytes:
    """A complete HTTP/1.1 keep-alive POST of `body`, as bytes on the wire."""
    host = urlsplit(url).netloc
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/xml; charset=utf-8\r\n"
            f'SOAPAction: ""\r\nContent-Length: {len(body)}\r\n\r\n')  # fmt: skip
    return head.encode() + body


async def drive_raw(
    url: str, requests: Sequence[bytes], *, clients: int, seconds: float
) -> tuple[int, float]:
    """(rounds done, elapsed): each of `clients` connections sends `requests` in turn until `seconds`."""
    parts = urlsplit(url)
    start = time.perf_counter()
    deadline = start + seconds
    done = 0

    async def worker() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while time.perf_counter() < deadline:
                for request in requests:
                    writer.write(request)
                    await _read_response(reader)
                done += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    return done, time.perf_counter() - start


async def _read_response(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    status = head.split(b" ", 2)[1]
    if status != b"200":
        raise RuntimeError(f"HTTP {status.decode()} from the echo server")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            await reader.readexactly(int(value))
            return
    raise RuntimeError("response without Content-Length")
