"""An HTTP server on 127.0.0.1 in a background thread: the base of the tests' fake engines."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer:
    """``serve(Handler)`` in ``__init__``; then ``with Server() as server: server.origin``."""

    #: seconds between two looks of the serving thread for a shutdown (:meth:`die` waits for one)
    POLL = 0.01

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        # serving looks for a shutdown every POLL seconds: shutdown() waits for that (0.5 s by default:
        # half a second per test that starts a server)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(self.POLL,), daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Any:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.die()

    def die(self) -> None:
        """Stop serving and close the listening socket (from now on connections are refused)."""
        self.server.shutdown()
        self.server.server_close()

    #: seconds between two bytes of a dripping answer (:meth:`drip_out`)
    drip: float = 0.05
    #: bytes a dripping answer got out before the client went away
    dripped: int = 0

    def drip_out(self, handler: BaseHTTPRequestHandler, data: bytes) -> None:
        """Write ``data`` one byte every :attr:`drip` seconds, counting :attr:`dripped`, until the client
        goes away or ``data`` is out (a server that answers, but too slowly for any deadline)."""
        for byte in data:
            time.sleep(self.drip)
            try:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
            except OSError:
                return
            with self._drip_lock:
                self.dripped += 1

    _drip_lock = threading.Lock()
