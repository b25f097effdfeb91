"""Running the app: a socket bound first (so that a busy port is one clear error), then uvicorn.

uvicorn is an optional dependency (`pip install 'zerodl[serve]'`), imported when a server
starts. It runs without reload or debug, without trusting X-Forwarded-* headers, and without
announcing itself in a Server header; Ctrl-C (SIGINT) or SIGTERM stops it after the requests in
progress are answered.

Slow clients are cut off, each on its own timer, so that they hold a connection but never the
server: a connection must deliver each request's head (its first line and headers) within
HEAD_TIMEOUT seconds of opening or of its previous answer, else it is closed (this covers one
that connects and sends nothing, and one that sends its headers a byte at a time); a kept-alive
connection that sends nothing more is closed after KEEP_ALIVE_TIMEOUT; a head still unfinished
after MAX_HEAD_BYTES is refused; the body has the app's own deadline (zerodl.serve.app.Guard).
uvicorn's own answers to malformed requests (400) carry the same security headers as the app's.
"""

import json
import socket

from zerodl.serve.app import with_security_headers

__all__ = ["HEAD_TIMEOUT", "KEEP_ALIVE_TIMEOUT", "MAX_HEAD_BYTES", "bind", "make_server", "serve",
           "url"]  # fmt: skip

HEAD_TIMEOUT = 10.0  # seconds for a request's line and headers to arrive
KEEP_ALIVE_TIMEOUT = 5  # seconds an idle kept-alive connection stays open
MAX_HEAD_BYTES = 16 * 1024  # bytes of a head still unfinished (h11's max incomplete event size)


def bind(host, port):
    """A listening TCP socket on (host, port); port 0 picks a free one. OSError if it can't."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto named, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it a response's headers and body wait ~40 ms for the client's delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def url(sock):
    """The address of a bound socket as a URL, e.g. http://127.0.0.1:8000/."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(app, sock, *, log_level="warning"):
    """Serve the ASGI `app` on the bound socket `sock` until Ctrl-C or SIGTERM."""
    make_server(app, log_level=log_level).run(sockets=[sock])


def make_server(app, *, log_level="warning", head_timeout=HEAD_TIMEOUT):
    """A uvicorn.Server for `app`: `.run(sockets=[sock])` serves, `.should_exit = True` stops."""
    import uvicorn

    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        lifespan="off",
        http=_guarded_protocol(head_timeout),
        timeout_keep_alive=KEEP_ALIVE_TIMEOUT,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
    )
    return uvicorn.Server(config)


def _guarded_protocol(head_timeout):
    """uvicorn's HTTP/1.1 protocol (h11) with a deadline for each request's head, and its 400
    answers given the security headers and the app's JSON form."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        _head_deadline = None

        def connection_made(self, transport):
            super().connection_made(transport)
            self._await_head()

        def handle_events(self):
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:  # a head has come (or the end)
                self._stop_waiting()

        def on_response_complete(self):
            super().on_response_complete()
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self._await_head()  # the next request's head: a fresh deadline

        def connection_lost(self, exc):
            self._stop_waiting()
            super().connection_lost(exc)

        def _await_head(self):
            self._stop_waiting()
            self._head_deadline = self.loop.call_later(head_timeout, self._head_too_slow)

        def _stop_waiting(self):
            if self._head_deadline is not None:
                self._head_deadline.cancel()
                self._head_deadline = None

        def _head_too_slow(self):
            self._head_deadline = None
            if not self.transport.is_closing():
                self.transport.close()

        def send_400_response(self, msg):
            body = json.dumps({"error": "the request is not valid HTTP/1.1"}).encode()
            headers = with_security_headers(
                [(b"content-type", b"application/json"), (b"connection", b"close")]
            )
            for event in (
                h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                h11.Data(data=body),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event))
            self.transport.close()

    return GuardedH11Protocol
