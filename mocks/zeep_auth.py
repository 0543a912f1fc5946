"""A zeep plugin that signs every request with the CallerAuth SOAP header (evoucher.wsauth).

Stock zeep loads a library's WSDL (`?wsdl`) and calls it; with this plugin it can also call a
library that requires caller authentication, as ours does by default (docs/wire.md VL-WIRE-020)::

    client = zeep.Client(f"{url}/realware/services/AsspCBankService?wsdl",
                         plugins=[CallerAuthPlugin(cert_id, key, cert_der)])
    client.service.readVoucherAgain(certID=cert_id, admDivCode="330100", stYear=2026,
                                    vtCode="5207", voucherCount=10)

The header signs the Body exactly as zeep will send it, so the plugin must be the last one that
changes the envelope.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from zeep import Plugin

from evoucher import wsauth
from evoucher.crypto.sm2 import PrivateKey
from evoucher.interface import SERVICES, SOAP_ENV


class CallerAuthPlugin(Plugin):
    """Adds a signed `wa:CallerAuth` to soapenv:Header of every outgoing request.

    `service` names the realware service the signature is bound to; by default it is the last
    segment of the address the request goes to (`…/realware/services/AsspCBankService`).
    """

    def __init__(self, cert_id: str, key: PrivateKey, cert_der: bytes, *, service: str | None = None) -> None:
        if service is not None and service not in SERVICES:
            raise ValueError(f"service must be one of {', '.join(SERVICES)}, got {service!r}")
        self.cert_id, self.key, self.cert_der, self.service = cert_id, key, cert_der, service

    def _service_of(self, address: str) -> str:
        if self.service is not None:
            return self.service
        name = urlsplit(address).path.rstrip("/").rsplit("/", 1)[-1]
        if name not in SERVICES:
            raise ValueError(f"cannot tell the realware service from {address!r}; pass service=")
        return name

    def egress(
        self, envelope: etree._Element, http_headers: dict, operation: Any, binding_options: dict
    ) -> tuple[etree._Element, dict]:
        body = envelope.find(f"{{{SOAP_ENV}}}Body")
        if body is None:
            raise ValueError("CallerAuthPlugin: the request has no SOAP 1.1 Body")
        header = envelope.find(f"{{{SOAP_ENV}}}Header")
        if header is None:
            header = etree.Element(f"{{{SOAP_ENV}}}Header")
            envelope.insert(0, header)
        for old in header.findall(f"{{{wsauth.NAMESPACE}}}CallerAuth"):
            header.remove(old)
        service = self._service_of(binding_options.get("address", ""))
        header.append(
            wsauth.build_header(
                service=service, cert_id=self.cert_id, key=self.key, cert_der=self.cert_der, body=body
            )
        )
        return envelope, http_headers
