"""The web application: one page and a small JSON API around a Predictor (Starlette, ASGI).

    GET  /                the page (HTML, CSS and JavaScript from zerodl/serve/static)
    POST /api/predict     {"pixels": [784 numbers]} or a multipart upload with the field "image"
    GET  /api/model       what the model is
    GET  /healthz         200 while the server runs
    GET  /openapi.json    the API described (zerodl/serve/openapi.json)

Starlette is an optional dependency (`pip install 'zerodl[serve]'`): it is imported when an app
is made, never when zerodl is imported.

What keeps the server safe sits in front of every route. Starlette's TrustedHostMiddleware
answers 400 to a Host header other than localhost, 127.0.0.1 or [::1] (a web page of some other
site that has pointed its own name at 127.0.0.1, "DNS rebinding", cannot talk to it). `Guard`,
a plain ASGI middleware outside it, refuses a Host whose port is not a port (400), a body
larger than MAX_BODY with 413 as soon as its Content-Length says so or, when it comes without
one, as soon as the bytes received pass the limit (the rest is never read), and a body that
has not all arrived BODY_TIMEOUT seconds after its request began with 408; and it adds the
SECURITY_HEADERS to every answer, errors included (the 500 of an uncaught error gets them from
its handler, which runs outside every middleware). Responses carry no CORS headers, so a
browser lets no other origin read them, and a Content-Security-Policy that lets the page load
nothing from anywhere else. Errors are short, {"error": "..."}, never a traceback or a path.
Predictions run in a worker thread (run_in_threadpool), so the event loop keeps answering while
the network computes. Connections that are slow to send a request's head are the server's to
cut off (zerodl.serve.server).
"""

import asyncio
import json
import time
from importlib import resources
from urllib.parse import urlsplit

from zerodl.serve.openapi import openapi
from zerodl.serve.predictor import MAX_SIDE, InputError

__all__ = ["BODY_TIMEOUT", "LOCAL_HOSTS", "MAX_BODY", "Guard", "create_app", "is_local_host"]

MAX_BODY = 64 * 1024  # bytes of a request body, at most
BODY_TIMEOUT = 10.0  # seconds a request's body may take to arrive, from the end of its head
LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"]  # the names this machine answers to
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        b"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
]
PAGES = {  # path -> (file in zerodl/serve/static, media type)
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/i18n.js": ("i18n.js", "text/javascript; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/style.css": ("style.css", "text/css; charset=utf-8"),
}


def is_local_host(value):
    """True for a Host header naming this machine's loopback: localhost, 127.0.0.1 or [::1],
    with or without a valid port: what the server's TrustedHostMiddleware lets through."""
    value = value.strip()
    if not value or value.endswith(":") or "@" in value or not _valid_port(value):
        return False
    return urlsplit(f"//{value}").hostname in ("localhost", "127.0.0.1", "::1")


def _valid_port(host):
    """False for a Host header whose port is no port (localhost:99999): urlsplit checks it."""
    try:
        port = urlsplit(f"//{host}").port
    except ValueError:
        return False
    return port is None or port > 0


class Guard:
    """ASGI middleware: the Host header (Starlette's TrustedHostMiddleware, unless check_host
    is False) and its port (400), the body's limit (413) and deadline (408), the security
    headers on every answer.

    The body is read here, at most `max_body` bytes of it within `body_timeout` seconds, and
    handed on to the application whole; a longer or slower one is refused without reading
    further.
    """

    def __init__(self, app, *, check_host=True, max_body=MAX_BODY, body_timeout=BODY_TIMEOUT):
        if check_host:  # Starlette's own check of the Host header, inside: its 400 gets headers
            from starlette.middleware.trustedhost import TrustedHostMiddleware

            app = TrustedHostMiddleware(app, allowed_hosts=LOCAL_HOSTS, www_redirect=False)
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":  # lifespan
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if not _valid_port(headers.get("host", "")):
            await refuse(send, 400, "the Host header's port is not a port number")
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await refuse(send, 413, f"the request body is over {self.max_body // 1024} KiB")
            return
        chunks, size = [], 0
        deadline = time.monotonic() + self.body_timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), deadline - time.monotonic())
            except TimeoutError:  # a client sending a byte now and then holds no connection
                await refuse(send, 408, f"the request body took over {self.body_timeout:g} s")
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:  # no Content-Length (chunked), or one that lied
                await refuse(send, 413, f"the request body is over {self.max_body // 1024} KiB")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the client to go

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_security_headers(message.get("headers"))}
            await send(message)

        await self.app(scope, replay, send_with_headers)


def with_security_headers(headers):
    """The raw ASGI `headers` with each of SECURITY_HEADERS they do not already have."""
    headers = list(headers or [])
    present = {k.lower() for k, _ in headers}
    return headers + [(k, v) for k, v in SECURITY_HEADERS if k not in present]


async def refuse(send, status, message):
    """Answer {"error": message} with `status` and close the connection (raw ASGI)."""
    body = json.dumps({"error": message}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *SECURITY_HEADERS,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_app(predictor, *, check_host=True, max_body=MAX_BODY, body_timeout=BODY_TIMEOUT):
    """The Starlette application serving `predictor` (a zerodl.serve.Predictor).

    check_host=False lets any Host header through: for a server deliberately reachable under
    other names (`zerodl serve --host`). max_body and body_timeout: see Guard.
    """
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.datastructures import UploadFile
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    static = resources.files("zerodl.serve") / "static"
    pages = {path: (static / name).read_bytes() for path, (name, _) in PAGES.items()}
    description = predictor.describe()
    description["limits"] = {"max_body_bytes": max_body, "max_image_side": MAX_SIDE}
    spec = openapi(max_body=max_body, max_side=MAX_SIDE)

    def error(status, message, headers=None):
        return JSONResponse({"error": message}, status_code=status, headers=headers)

    async def page(request):
        return Response(pages[request.url.path], media_type=PAGES[request.url.path][1])

    async def predict(request):
        flag = request.query_params.get("feature_maps", "false").lower()
        if flag not in ("true", "1", "false", "0"):
            return error(400, "feature_maps must be true or false")
        maps = flag in ("true", "1")
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if media == "application/json":
                pixels = read_pixels(await request.body())
                answer = await run_in_threadpool(predictor.predict_pixels, pixels, maps)
            elif media == "multipart/form-data":
                async with request.form(max_files=1, max_fields=4) as form:
                    upload = form.get("image")
                    if not isinstance(upload, UploadFile):
                        raise InputError('the multipart body needs a file in the field "image"')
                    data = await upload.read()
                answer = await run_in_threadpool(predictor.predict_image, data, maps)
            else:
                raise InputError("send application/json or multipart/form-data", status=415)
        except InputError as err:
            return error(err.status, str(err))
        return JSONResponse(answer, headers={"cache-control": "no-store"})

    async def model(request):
        return JSONResponse(description)

    async def health(request):
        return JSONResponse({"status": "ok"})

    async def api_spec(request):
        return JSONResponse(spec)

    async def http_error(request, exc):  # exc.headers: a 405's Allow
        return error(exc.status_code, str(exc.detail).splitlines()[0][:200], exc.headers)

    async def server_error(request, exc):  # the traceback goes to the server's log, not here
        # This handler runs outside every middleware (Starlette's ServerErrorMiddleware is the
        # outermost), so Guard cannot add the headers: they come with the response itself.
        headers = {k.decode(): v.decode() for k, v in SECURITY_HEADERS}
        return error(500, "internal error", headers)

    return Starlette(
        debug=False,
        routes=[
            *(Route(path, page) for path in PAGES),
            Route("/api/predict", predict, methods=["POST"]),
            Route("/api/model", model),
            Route("/healthz", health),
            Route("/openapi.json", api_spec),
        ],
        middleware=[
            Middleware(Guard, check_host=check_host, max_body=max_body, body_timeout=body_timeout)
        ],
        exception_handlers={HTTPException: http_error, 500: server_error},
    )


def read_pixels(body):
    """The "pixels" list of a JSON body; InputError for anything that is not such JSON."""

    def no_constant(name):  # Python's json reads NaN and Infinity, which JSON does not have
        raise ValueError(f"{name} is not a JSON number")

    try:
        payload = json.loads(body, parse_constant=no_constant)
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError is a ValueError too
        message = str(err) if "JSON number" in str(err) else "the body is not valid JSON"
        raise InputError(message) from None
    if not isinstance(payload, dict) or "pixels" not in payload:
        raise InputError('the JSON body must be an object {"pixels": [784 numbers]}')
    return payload["pixels"]
