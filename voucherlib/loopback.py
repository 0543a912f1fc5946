"""Run an ASGI app with uvicorn on a free loopback port in a background thread.

The embedded library of `guoku demo` and the tests that need real HTTP (zeep, the client's
sync path) all start a server this way; the port is the kernel's choice, so parallel test
workers never collide.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, Literal


@contextlib.contextmanager
def serve_in_thread(
    app: Any, *, lifespan: Literal["on", "off", "auto"] = "on", start_timeout: float = 30.0
) -> Iterator[str]:
    """Serve `app` until the block ends; yields its base URL (`http://127.0.0.1:PORT`)."""
    import uvicorn

    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            sock.close()
            raise RuntimeError("uvicorn did not start on loopback")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=start_timeout)
        sock.close()
