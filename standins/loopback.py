"""Running a stand-in's HTTP server in a thread, and stopping it promptly."""

import contextlib
import socket
import threading
from socketserver import BaseServer


def serve_in_thread(server: BaseServer, name: str) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    return thread


def shut_down(server: BaseServer, thread: threading.Thread) -> None:
    """serve_forever() notices shutdown() only when its select() wakes, up to its 0.5 s poll
    interval on every stop; a throwaway connection wakes it at once."""
    stopper = threading.Thread(target=server.shutdown, daemon=True)
    stopper.start()
    address = server.server_address[:2]  # type: ignore[attr-defined]
    while stopper.is_alive():
        with contextlib.suppress(OSError):
            socket.create_connection(address, timeout=1).close()
        stopper.join(timeout=0.05)
    server.server_close()
    thread.join(timeout=5)
