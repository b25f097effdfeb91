"""Images and servers for the tests of zerodl serve."""

import io
import re
import signal
import struct
import subprocess
import sys
import threading
import time
import zlib
from contextlib import contextmanager

from PIL import Image, ImageDraw

from zerodl.serve import bind, create_app, make_server, url


def png_bytes(image, format="PNG"):
    buffer = io.BytesIO()
    image.save(buffer, format)
    return buffer.getvalue()


def seven(size=(280, 280), width=22):
    """A 7 drawn as a person draws it: dark ink on white, as the page's canvas sends it."""
    w, h = size
    image = Image.new("L", size, 255)
    pen = ImageDraw.Draw(image)
    pen.line([(0.3 * w, 0.25 * h), (0.7 * w, 0.25 * h), (0.45 * w, 0.8 * h)], fill=0, width=width)
    return image


def png_bomb(width=20000, height=20000):
    """A valid 1-bit PNG of width x height black pixels, written by hand in under 50 KB.

    Decoded it is width*height pixels (400 million for the default, 50 MB as bits, 400 MB as
    Pillow's bytes); zlib packs its rows of zeros about 1000:1.
    """

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte 0, then the row's bits
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


@contextmanager
def server_thread(predictor, *, head_timeout=None, **app_options):
    """A real uvicorn server for `predictor` on a free localhost port, in a thread of this
    process; yields its URL and stops it (within 10 s) when the block ends."""
    sock = bind("127.0.0.1", 0)
    server_options = {} if head_timeout is None else {"head_timeout": head_timeout}
    server = make_server(create_app(predictor, **app_options), **server_options)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.02)
    try:
        yield url(sock).rstrip("/")
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        assert not thread.is_alive(), "the server did not stop"


@contextmanager
def serve_command(*args, timeout=60):
    """`zerodl serve ARGS --port 0` in a subprocess; yields (URL, process); Ctrl-C at the end.

    After the block, the process has stopped, and `process.stdout_text`/`stderr_text` hold
    what it printed.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "zerodl", "serve", *map(str, args), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = []
    found = threading.Event()

    def read():
        for line in process.stdout:
            lines.append(line)
            if "http://" in line:
                found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not found.wait(timeout):
            process.kill()
            raise AssertionError(f"zerodl serve printed no address: {process.stderr.read()}")
        address = re.search(r"http://\S+", "".join(lines)).group(0).rstrip("/")
        yield address, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(5)
        process.stdout_text = "".join(lines)
        process.stderr_text = process.stderr.read()
        process.stderr.close()
