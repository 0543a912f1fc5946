"""A client for any realware voucher library — ours or a vendor's — speaking only the wire format.

One method per catalogue operation, generated from `evoucher.interface`, snake_case, with the
certID argument filled in from the client (`read_voucher_again(adm_div_code, st_year, vt_code,
voucher_count) -> bytes`), plus `call(operation, *args)`. Values are sent as given: str for
strings, int, bytes for base64Binary, a list of str for arrays; a str where an int or bytes is
expected goes out verbatim and None leaves the element out, so conformance checks can send what
a broken client would. With `key` and `cert_der` every request carries a signed CallerAuth
header (evoucher.wsauth). The transport is httpx's: loopback, `ASGITransport`, `MockTransport`.

`wire` picks the dialect (docs/wire.md VL-WIRE-003): "literal" (document/literal wrapped, the
default) or "encoded", which sends exactly what an Axis 1 front end's `Call.invoke(Object[])`
sends (`arg0…` typed with `soapenc:` types, every int a multiRef, arrays as `soapenc:Array`,
None as `xsi:nil`). Answers of either dialect are read whatever was sent.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, Literal

import httpx
from lxml import etree

from evoucher import soapenc, wsauth
from evoucher.codec.safe import decode_base64, encode_base64
from evoucher.crypto.sm2 import PrivateKey
from evoucher.errors import EvoucherError
from evoucher.interface import (
    NAMESPACE,
    OPERATION_BY_NAME,
    OPERATIONS,
    SERVICES,
    SOAP_ENV,
    Operation,
    Param,
    parse_fault,
    read_envelope,
)
from mocks.errors import LibraryFault, ResponseError, TransportError

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
_PY_TYPES = {"string": str, "int": int, "base64Binary": bytes, "ArrayOf_xsd_string": list[str]}
_PY_RETURNS = {"void": None, "int": int, "base64Binary": bytes, "Map": dict[str, Any]}
_PY_RETURNS["StatusMap"] = dict[str, tuple[int, str]]
Wire = Literal["literal", "encoded"]
WIRES: tuple[Wire, ...] = ("literal", "encoded")
_ENCODED_TYPES = {"string": "soapenc:string", "base64Binary": "soapenc:base64Binary"}


def _text_of(param: Param, value: Any) -> str | list[str]:
    if isinstance(value, str) and param.type != "ArrayOf_xsd_string":
        return value
    if param.type == "int" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if param.type == "base64Binary" and isinstance(value, bytes):
        return encode_base64(value)
    if (
        param.type == "ArrayOf_xsd_string"
        and isinstance(value, list | tuple)
        and all(isinstance(v, str) for v in value)
    ):
        return list(value)
    wanted = {"ArrayOf_xsd_string": "a list of str"}.get(param.type, _PY_TYPES[param.type].__name__)
    raise TypeError(f"argument {param.py_name} ({param.name}) must be {wanted}, got {type(value).__name__}")


def _status(value: Any) -> tuple[int, str]:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"a status must be [code, description], got {value!r}")
    return int(value[0]), str(value[1] or "")


class _Core:
    """Request building and response reading, shared by the sync and async clients."""

    def __init__(
        self,
        base_url: str,
        *,
        service: str,
        cert_id: str,
        key: PrivateKey | None,
        cert_der: bytes | None,
        max_response_bytes: int,
        wire: Wire,
    ) -> None:
        if wire not in WIRES:
            raise ValueError(f"wire must be one of {', '.join(WIRES)}, got {wire!r}")
        if service not in SERVICES:
            raise ValueError(f"service must be one of {', '.join(SERVICES)}, got {service!r}")
        if (key is None) != (cert_der is None):
            raise ValueError("key and cert_der go together: pass both to sign requests, or neither")
        self.url = base_url.rstrip("/") + SERVICES[service].path
        self.service, self.cert_id, self.key, self.cert_der = service, cert_id, key, cert_der
        self.max_response_bytes = max_response_bytes
        self.wire = wire

    def envelope(
        self, operation: str, *args: Any, cert_id: str | None = None, now: float | None = None
    ) -> bytes:
        """The exact request body `call(operation, *args)` would send, signed as of `now` (epoch s).

        For callers that prepare requests ahead and send them with their own HTTP client (the
        load tests' pre-signed pool): the CallerAuth signature is taken here, not at send time.
        """
        op = _lookup(operation)
        return self._envelope(op, self._values(op, args, cert_id), now=now)

    @staticmethod
    def _literal(body: etree._Element, op: Operation, values: Sequence[Any]) -> None:
        wrapper = etree.SubElement(body, f"{{{NAMESPACE}}}{op.name}", nsmap={"ns": NAMESPACE})
        for param, value in zip(op.params, values, strict=True):
            if value is None:
                continue
            text = _text_of(param, value)
            element = etree.SubElement(wrapper, param.name)
            if isinstance(text, list):
                for item in text:
                    etree.SubElement(element, "item").text = item
            else:
                element.text = text

    @staticmethod
    def _encoded(body: etree._Element, op: Operation, values: Sequence[Any]) -> None:
        """What Axis 1's `Call.invoke(Object[])` sends without a WSDL (reference/axis1-wire.md)."""
        wrapper = etree.SubElement(body, op.name)
        wrapper.set(soapenc.ENCODING_STYLE, soapenc.SOAPENC)
        writer = soapenc.EncodedWriter(body)
        for i, (param, value) in enumerate(zip(op.params, values, strict=True)):
            tag = f"arg{i}"
            text = None if value is None else _text_of(param, value)
            if text is None:
                etree.SubElement(wrapper, tag, {soapenc.XSI_NIL: "true"})
            elif isinstance(text, list):
                writer.string_array(wrapper, tag, text)
            elif param.type == "int":
                writer.int_ref(wrapper, tag, text)
            else:
                writer.typed(wrapper, tag, _ENCODED_TYPES[param.type], text)

    def _envelope(self, op: Operation, values: Sequence[Any], *, now: float | None = None) -> bytes:
        encoded = self.wire == "encoded"
        root = etree.Element(
            f"{{{SOAP_ENV}}}Envelope", nsmap=soapenc.NSMAP if encoded else {"soapenv": SOAP_ENV}
        )
        header = etree.SubElement(root, f"{{{SOAP_ENV}}}Header") if self.key is not None else None
        body = etree.SubElement(root, f"{{{SOAP_ENV}}}Body")
        (self._encoded if encoded else self._literal)(body, op, values)
        if header is not None:  # the header always names our own certID, whatever the argument says
            header.append(
                wsauth.build_header(
                    service=self.service,
                    cert_id=self.cert_id,
                    key=self.key,
                    cert_der=self.cert_der,
                    body=body,
                    now=now,
                )
            )
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def _values(self, op: Operation, args: Sequence[Any], cert_id: str | None) -> list[Any]:
        if len(args) != len(op.params) - 1:
            names = ", ".join(p.py_name for p in op.params[1:])
            raise TypeError(f"{op.name} takes {len(op.params) - 1} arguments ({names}), got {len(args)}")
        return [self.cert_id if cert_id is None else cert_id, *args]

    def _add(self, data: bytearray, chunk: bytes, op: Operation, request: httpx.Request) -> None:
        """Append a chunk of the response, refusing it once it is over the size limit."""
        data += chunk
        if len(data) > self.max_response_bytes:
            limit = self.max_response_bytes
            raise ResponseError(
                f"response is over the limit of {limit} bytes", operation=op.name, request=request
            )

    def _outcome(
        self, op: Operation, request: httpx.Request, response: httpx.Response, content: bytearray
    ) -> Any:
        context = {"operation": op.name, "request": request, "response": response}
        try:
            envelope = read_envelope(bytes(content), limit=self.max_response_bytes, what="SOAP response")
        except EvoucherError as exc:
            if response.status_code != 200:
                raise TransportError(f"HTTP {response.status_code} without a SOAP answer", **context) from exc
            raise ResponseError(exc.message, **context) from exc
        body = envelope.find(f"{{{SOAP_ENV}}}Body")
        answer = None if body is None else next(iter(soapenc.children(body)), None)
        if answer is not None and answer.tag == f"{{{SOAP_ENV}}}Fault":
            evs_code, message = parse_fault(answer.findtext("faultstring") or "")
            faultcode = answer.findtext("faultcode") or ""
            raise LibraryFault(evs_code, message, faultcode=faultcode, **context)
        if (
            response.status_code != 200
            or answer is None
            or etree.QName(answer).localname != f"{op.name}Response"
        ):
            got = "nothing" if answer is None else f"<{etree.QName(answer).localname}>"
            raise ResponseError(
                f"HTTP {response.status_code}: expected <{op.name}Response>, got {got}", **context
            )
        if op.returns == "void":
            return None
        returned = next((c for c in answer if isinstance(c.tag, str)), None)
        if returned is None:
            raise ResponseError(f"<{op.name}Response> carries no {op.name}Return", **context)
        try:
            refs = soapenc.References(body, what="SOAP response")
            return self._typed(op, refs.deref(returned), refs)
        except (ValueError, EvoucherError) as exc:
            raise ResponseError(f"{op.name}Return is not a valid {op.returns}: {exc}", **context) from exc

    @staticmethod
    def _typed(op: Operation, returned: etree._Element, refs: soapenc.References) -> Any:
        if op.returns == "int":
            return int((returned.text or "").strip())
        if op.returns == "base64Binary":
            return (
                b"" if not (returned.text or "").strip() else decode_base64(returned.text, f"{op.name}Return")
            )
        items = {}
        for item in soapenc.children(returned):
            key, value = item.find("key"), item.find("value")
            if value is not None:
                name = (refs.deref(key).text if key is not None else None) or ""
                items[name] = soapenc.decode_any(value, refs)
        return {k: _status(v) for k, v in items.items()} if op.returns == "StatusMap" else items


class VoucherLibraryClient(_Core):
    """Synchronous client for one service of a voucher library at `base_url` (close() or `with`)."""

    def __init__(
        self,
        base_url: str,
        *,
        service: str,
        cert_id: str,
        key: PrivateKey | None = None,
        cert_der: bytes | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        wire: Wire = "literal",
    ) -> None:
        super().__init__(
            base_url, service=service, cert_id=cert_id, key=key, cert_der=cert_der,
            max_response_bytes=max_response_bytes, wire=wire,
        )  # fmt: skip
        self._http = httpx.Client(transport=transport, timeout=timeout)

    def call(self, operation: str, *args: Any, cert_id: str | None = None) -> Any:
        """Call any operation with its arguments after certID, in wire order; `cert_id` overrides ours."""
        op = _lookup(operation)
        return self._invoke(op, self._values(op, args, cert_id))

    def _invoke(self, op: Operation, values: list[Any]) -> Any:
        request = self._http.build_request(
            "POST", self.url, content=self._envelope(op, values), headers=_HEADERS
        )
        try:
            response = self._http.send(request, stream=True)
            content = bytearray()
            try:
                for chunk in response.iter_bytes():
                    self._add(content, chunk, op, request)
            finally:
                response.close()
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}", operation=op.name, request=request) from exc
        return self._outcome(op, request, response, content)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> VoucherLibraryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncVoucherLibraryClient(_Core):
    """Asynchronous client; same methods as VoucherLibraryClient, awaited (aclose() or `async with`)."""

    def __init__(
        self,
        base_url: str,
        *,
        service: str,
        cert_id: str,
        key: PrivateKey | None = None,
        cert_der: bytes | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        wire: Wire = "literal",
    ) -> None:
        super().__init__(
            base_url, service=service, cert_id=cert_id, key=key, cert_der=cert_der,
            max_response_bytes=max_response_bytes, wire=wire,
        )  # fmt: skip
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)

    async def call(self, operation: str, *args: Any, cert_id: str | None = None) -> Any:
        """Call any operation with its arguments after certID, in wire order; `cert_id` overrides ours."""
        op = _lookup(operation)
        return await self._invoke(op, self._values(op, args, cert_id))

    async def _invoke(self, op: Operation, values: list[Any]) -> Any:
        request = self._http.build_request(
            "POST", self.url, content=self._envelope(op, values), headers=_HEADERS
        )
        try:
            response = await self._http.send(request, stream=True)
            content = bytearray()
            try:
                async for chunk in response.aiter_bytes():
                    self._add(content, chunk, op, request)
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}", operation=op.name, request=request) from exc
        return self._outcome(op, request, response, content)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncVoucherLibraryClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _lookup(operation: str) -> Operation:
    op = OPERATION_BY_NAME.get(operation)
    if op is None:
        raise ValueError(f"operation {operation!r} is not in the realware interface catalogue")
    return op


def _method(op: Operation, is_async: bool) -> Any:
    """The client method of one operation: its signature is the catalogue's, minus certID."""
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + [
        inspect.Parameter(p.py_name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=_PY_TYPES[p.type])
        for p in op.params[1:]
    ]
    signature = inspect.Signature(params, return_annotation=_PY_RETURNS[op.returns])

    def values(self: _Core, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
        bound = signature.bind(self, *args, **kwargs)
        return [self.cert_id, *(bound.arguments[p.py_name] for p in op.params[1:])]

    if is_async:

        async def method(self: AsyncVoucherLibraryClient, *args: Any, **kwargs: Any) -> Any:
            return await self._invoke(op, values(self, args, kwargs))
    else:

        def method(self: VoucherLibraryClient, *args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            return self._invoke(op, values(self, args, kwargs))

    method.__name__ = op.py_name
    method.__signature__ = signature  # type: ignore[attr-defined]
    method.__doc__ = f"`{op.name}`: {op.meaning}."
    return method


for _op in OPERATIONS:
    for _cls in (VoucherLibraryClient, AsyncVoucherLibraryClient):
        _method_ = _method(_op, inspect.iscoroutinefunction(_cls._invoke))
        _method_.__qualname__ = f"{_cls.__name__}.{_op.py_name}"
        setattr(_cls, _op.py_name, _method_)
del _op, _cls, _method_
