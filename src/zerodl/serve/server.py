"""Running the app: a socket bound first (so that a busy port is one clear error), then uvicorn.

uvicorn is an optional dependency (`pip install 'zerodl[serve]'`), imported when a server
starts. It runs without reload or debug, without trusting X-Forwarded-* headers, and without
announcing itself in a Server header; Ctrl-C (SIGINT) or SIGTERM stops it after the requests in
progress are answered.
"""

import socket

__all__ = ["bind", "make_server", "serve", "url"]


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


def make_server(app, *, log_level="warning"):
    """A uvicorn.Server for `app`: `.run(sockets=[sock])` serves, `.should_exit = True` stops."""
    import uvicorn

    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        lifespan="off",
    )
    return uvicorn.Server(config)
