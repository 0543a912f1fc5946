"""A test-only wire proxy in front of a voucher library: known service time, or known faults.

It forwards every SOAP call to the library and can, on the wire, do what a target under test
might: serve one call at a time taking at least `service_time` seconds each (a single server of
known speed, so queueing theory predicts throughput and latency); acknowledge sends and drop
them (`lossy`); hand a read's documents over again (`duplicating`); or report that vouchers
reached a final status they never reached (`lying`).
"""

from __future__ import annotations

import asyncio
import re
import time

import httpx
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from evoucher.interface import NAMESPACE, SOAP_ENV
from loadtests.soap import judge

MODES = ("pass", "lossy", "duplicating", "lying")
STATUS_QUERIES = ("queryVoucherStatusByOrgType", "batchQueryAllVoucherStatus")
# a StatusMap value is [code, text]; the code is its first xsd:int item
_STATUS = re.compile(rb'(<value xsi:type="tns:ArrayOf_xsd_anyType"><item xsi:type="xsd:int">)(\d+)(</item>)')


def _call(body: bytes) -> tuple[str, str]:
    """(operation, vtCode argument) of a request."""
    wrapper = etree.fromstring(body).find(f"{{{SOAP_ENV}}}Body/*")
    if wrapper is None:
        return "", ""
    return etree.QName(wrapper).localname, wrapper.findtext("vtCode") or ""


def _void(operation: str) -> bytes:
    wrapper = f'<ns:{operation}Response xmlns:ns="{NAMESPACE}"/>'
    envelope = f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>{wrapper}</soapenv:Body>'
    envelope += "</soapenv:Envelope>"
    return b'<?xml version="1.0" encoding="UTF-8"?>' + envelope.encode()


class Proxy:
    def __init__(self, upstream: str, *, service_time: float = 0.0, mode: str = "pass") -> None:
        assert mode in MODES
        self.upstream, self.service_time, self.mode = upstream.rstrip("/"), service_time, mode
        self.lock = asyncio.Lock()
        self.reads = 0
        self.last_read: dict[tuple[str, str], bytes] = {}  # (path, vtCode) -> a read's answer
        self.client: httpx.AsyncClient | None = None
        self.holds: list[tuple[float, float]] = []  # (start, seconds) each call held the server

    def app(self) -> Starlette:
        async def soap(request: Request) -> Response:
            body = await request.body()
            if self.service_time:
                async with self.lock:  # one call at a time, each at least service_time
                    started = time.monotonic()
                    status, content = await self.forward(request, body)
                    await asyncio.sleep(max(0.0, self.service_time - (time.monotonic() - started)))
                    self.holds.append((time.time(), time.monotonic() - started))
            else:
                status, content = await self.forward(request, body)
            return Response(content, status_code=status, media_type="text/xml; charset=utf-8")

        async def healthz(_request: Request) -> Response:
            return Response(b"ok")

        return Starlette(routes=[Route("/realware/services/{service}", soap, methods=["POST"]),
                                 Route("/healthz", healthz)])  # fmt: skip

    async def forward(self, request: Request, body: bytes) -> tuple[int, bytes]:
        operation, vt_code = _call(body)
        reader = (request.url.path, vt_code)
        if self.mode == "lossy" and operation == "sendVoucher":
            return 200, _void(operation)  # acknowledged, never sent
        if self.mode == "duplicating" and operation == "readVoucher":
            self.reads += 1
            if self.reads % 3 == 0 and reader in self.last_read:
                return 200, self.last_read[reader]  # what an earlier read handed this reader, again
        if self.client is None:
            self.client = httpx.AsyncClient(timeout=120)
        answer = await self.client.post(self.upstream + request.url.path, content=body,
                                        headers={"Content-Type": "text/xml; charset=utf-8"})  # fmt: skip
        content = answer.content
        duplicating = self.mode == "duplicating" and operation == "readVoucher"
        if duplicating and judge(operation, 200, content).delivered:
            self.last_read[reader] = content
        if self.mode == "lying" and operation in STATUS_QUERIES:
            content = _STATUS.sub(lambda m: m.group(1) + b"12" + m.group(3), content)
        return answer.status_code, content
