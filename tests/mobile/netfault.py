"""A real TCP proxy in front of the live server that can refuse service, cut an upload mid-body, or lose the
reply to a request after the server has handled it."""

from __future__ import annotations

import contextlib
import socket
import threading


class FlakyProxy:
    """Forwards 127.0.0.1:<port> to the target; `down` closes every connection at once,
    `cut_uploads` cuts that many PUT /uploads/ requests after `cut_after` bytes, `lose_replies` drops that
    many replies to requests carrying `lose_marker` (the request reaches the server, its answer never
    comes back: a phone that walks out of coverage while the server commits)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.down = False
        self.cut_uploads = 0
        self.cut_after = 32 * 1024
        self.cuts_done = 0
        self.lose_replies = 0
        self.lose_marker = b""
        self.replies_lost = 0
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._closed = False
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()

    def reset(self) -> None:
        """Cut every open connection now (a phone walking out of coverage)."""
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            lose = threading.Event()          # this connection's next reply is lost
            threading.Thread(target=self._pump, args=(client, upstream, True, lose), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False, lose), daemon=True).start()

    def _marks_lost(self, chunk: bytes) -> bool:
        with self._lock:
            if self.lose_replies > 0 and self.lose_marker and self.lose_marker in chunk:
                self.lose_replies -= 1
                self.replies_lost += 1
                return True
        return False

    def _pump(self, source: socket.socket, sink: socket.socket, outbound: bool, lose: threading.Event) -> None:
        uploading, sent = False, 0
        try:
            while True:
                chunk = source.recv(16384)
                if not chunk:
                    break
                if outbound and self.down:
                    break
                if outbound and self._marks_lost(chunk):
                    lose.set()
                if not outbound and lose.is_set():
                    break                     # the server answered; the phone never hears it
                if outbound:
                    if b"PUT /uploads/" in chunk:
                        uploading, sent = True, 0
                    if uploading:
                        sent += len(chunk)
                        with self._lock:
                            cut = sent > self.cut_after and self.cut_uploads > 0
                            if cut:
                                self.cut_uploads -= 1
                                self.cuts_done += 1
                        if cut:
                            break
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()
