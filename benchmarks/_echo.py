"""A bare FastAPI app under uvicorn: the HTTP cost of a SOAP call with none of the library's work.

It serves POST on the library's paths by reading the whole body and answering with a SOAP
envelope of the size the library's void answers have, on the same stack `guoku serve` runs
(uvicorn, one worker, uvloop + httptools where installed).

    python -m benchmarks._echo [--port 0]
"""

from __future__ import annotations

import argparse
import socket

from fastapi import FastAPI, Request, Response

ANSWER = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv='
    b'"http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns:sendVoucherResponse '
    b'xmlns:ns="http://service.realware.com"/></soapenv:Body></soapenv:Envelope>'
)


def create_app() -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/realware/services/{service}")
    async def echo(service: str, request: Request) -> Response:
        chunks = [chunk async for chunk in request.stream()]  # read it all, as the library's router does
        return Response(ANSWER if chunks else b"", media_type="text/xml; charset=utf-8")

    @app.get("/healthz")
    async def healthz() -> Response:
        return Response(b"ok", media_type="text/plain")

    return app


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="benchmarks._echo", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    sock = socket.create_server(("127.0.0.1", args.port))
    print(f"echo listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    uvicorn.Server(uvicorn.Config(create_app(), log_level="warning")).run(sockets=[sock])


if __name__ == "__main__":
    main()
