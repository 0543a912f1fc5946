"""Wire-interface test helpers: recording handler, sample arguments, test identities, loopback server."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from evoucher.crypto import sm2
from evoucher.interface import OPERATION_BY_NAME, Operation, Param
from evoucher.pki.ca import CertificateAuthority
from evoucher.pki.keys import derive_key
from evoucher.pki.x509 import build_name
from voucherlib.loopback import serve_in_thread
from voucherlib.soap import create_soap_router

SEED = b"guoku wire tests"
CERT_ID = "330000-011-0001"


@dataclass(frozen=True)
class Identity:
    cert_id: str
    key: sm2.PrivateKey
    cert_der: bytes


@functools.lru_cache(maxsize=1)
def _ca() -> CertificateAuthority:
    return CertificateAuthority.create_root(
        derive_key(SEED, "root"),
        subject=build_name(common_name="guoku wire test root"),
        not_before=datetime(2025, 1, 1, tzinfo=UTC),
        not_after=datetime(2035, 1, 1, tzinfo=UTC),
    )


@functools.lru_cache(maxsize=8)
def identity(cert_id: str = CERT_ID) -> Identity:
    """A party with an SM2 key and a certificate from the test CA; same cert_id, same identity."""
    key = derive_key(SEED, cert_id)
    cert = _ca().issue(build_name(common_name=cert_id, serial_number=cert_id), key.public_key)
    return Identity(cert_id, key, cert.dump())


def sample_value(param: Param) -> Any:
    """A value of the parameter's type that would show a mix-up: Chinese text, non-UTF-8 bytes."""
    if param.type == "int":
        return 2026 if param.name == "stYear" else 7
    if param.type == "base64Binary":
        return b"<MOF>\x00\xff\xfe" + param.name.encode()
    if param.type == "ArrayOf_xsd_string":
        return [f"{param.name}-1", "凭证号-2", ""]
    return f"{param.name}-值"


def sample_args(op: Operation) -> list[Any]:
    """Arguments after certID, in wire order."""
    return [sample_value(p) for p in op.params[1:]]


def sample_result(op: Operation) -> Any:
    """What the recording handler returns, and what a client must decode back."""
    return {
        "void": None,
        "int": 42,
        "base64Binary": b"\x00MOF\xff" + op.name.encode(),
        "Map": {"gz": "公章", "count": 7, "nested": ["a", 1], "empty": None},
        "StatusMap": {"A1": (3, "签收成功"), "B2": (-1, "凭证不存在")},
    }[op.returns]


@dataclass
class RecordingHandler:
    """Records every call; returns `sample_result`, or raises what `raises` names for an operation."""

    calls: list[tuple[str, str, dict[str, Any], Any]] = field(default_factory=list)
    raises: dict[str, BaseException] = field(default_factory=dict)
    returns: dict[str, Any] = field(default_factory=dict)

    def call(self, service: str, operation: str, args: Mapping[str, Any], caller: Any) -> Any:
        self.calls.append((service, operation, dict(args), caller))
        if operation in self.raises:
            raise self.raises[operation]
        if operation in self.returns:
            return self.returns[operation]
        return sample_result(OPERATION_BY_NAME[operation])


def make_app(handler: Any, **router_options: Any) -> FastAPI:
    app = FastAPI()
    app.include_router(create_soap_router(handler, **router_options))
    return app


def serve(app: FastAPI) -> contextlib.AbstractContextManager[str]:
    """Run `app` (lifespan off: a bare router) on a free loopback port in a thread; yields the base URL."""
    return serve_in_thread(app, lifespan="off", start_timeout=10)
