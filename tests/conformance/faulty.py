"""Deliberately faulty voucher libraries: the reference with one defect each, as ASGI wire proxies.

`Faulty(app, defect)` sits in front of the reference app, in process: it reads each SOAP request
whole, lets the defect rewrite it (or answer it without the library), passes it on, and lets the
defect rewrite the answer. The suite sees only the wire, as it would see a vendor's library.
Defects that change requests run against a library with auth off (a rewritten body no longer
matches its signed CallerAuth header).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from evoucher.interface import OPERATION_BY_NAME

OP = re.compile(rb"<(?:[\w.-]+:)?Body[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)")
FAULT = re.compile(rb"<faultstring>(.*?)</faultstring>", re.S)

Request = tuple[str, str, bytes]  # service, operation, body


def operation(body: bytes) -> str:
    found = OP.search(body[:4096])
    return found.group(1).decode() if found else ""


def fault_text(body: bytes) -> str:
    found = FAULT.search(body)
    return found.group(1).decode("utf-8", "replace") if found else ""


def success(op: str) -> bytes:
    """An empty successful answer of `op`: nothing for void, an empty Return otherwise."""
    returned = "" if OPERATION_BY_NAME[op].returns == "void" else f"<{op}Return></{op}Return>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv='
        f'"http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><tns:{op}Response '
        f'xmlns:tns="urn:guoku:realware:evoucher">{returned}</tns:{op}Response></soapenv:Body></soapenv:Envelope>'
    ).encode()


@dataclass
class Defect:
    """One defect: what it breaks (the requirement the report must name), the checks that must catch it,
    and the two rewrites. `auth=False` runs the library (and the suite) without CallerAuth."""

    name: str
    requirement: str
    checks: tuple[str, ...]
    request: Callable[[str, str, bytes], bytes | tuple[int, bytes]] | None = None
    response: Callable[[str, str, bytes, int, bytes], tuple[int, bytes]] | None = None
    auth: bool = True
    profile: str = "2.0"
    declaration: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)


class Faulty:
    """ASGI middleware applying one Defect to every HTTP exchange of `app`."""

    def __init__(self, app: Any, defect: Defect) -> None:
        self.app, self.defect = app, defect

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        service = scope["path"].rstrip("/").rpartition("/")[2]
        op = (
            operation(body)
            if scope["method"] == "POST"
            else f"{scope['method']} {scope.get('query_string', b'').decode()}"
        )
        if self.defect.request is not None:
            changed = self.defect.request(service, op, body)
            if isinstance(changed, tuple):  # answered without the library
                await _answer(send, *changed)
                return
            body = changed
        status, headers, out = await _call(self.app, scope, body)
        if self.defect.response is not None:
            status, out = self.defect.response(service, op, body, status, out)
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(out)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": out})


async def _call(app: Any, scope: dict, body: bytes) -> tuple[int, list, bytes]:
    sent = False
    started: dict = {}
    parts: list[bytes] = []

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            started.update(message)
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await app({**scope, "headers": headers}, receive, send)
    return started["status"], list(started.get("headers", [])), b"".join(parts)


async def _answer(send: Callable, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"text/xml; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
