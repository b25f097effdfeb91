"""How fast `zerodl serve` answers: many clients at once against a real server on this machine.

Starts the server of `zerodl serve` (uvicorn, in a thread of this process) on a free localhost
port, sends REQUESTS predictions from CLIENTS clients at once (each its own connection), checks
every answer against the network's own computation, and reports the latency of a request
(median and 95th percentile) and the requests answered per second:

    python benchmarks/serve_latency.py                 # a small CNN, 200 requests, 8 clients
    python benchmarks/serve_latency.py --checkpoint runs/latest --requests 1000
    python benchmarks/serve_latency.py --image         # PNG uploads, decoded and prepared too

Needs pip install 'zerodl[serve]' httpx. Exits 1 if any answer is wrong or missing.
"""

import argparse
import io
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
from PIL import Image, ImageDraw

import zerodl
from zerodl.networks import SimpleConvNet
from zerodl.serve import Predictor, bind, create_app, make_server, url


def drawn_digit(rng):
    """A PNG of a random stroke figure, dark on white, as the page's canvas sends it."""
    image = Image.new("L", (280, 280), 255)
    points = [tuple(rng.integers(40, 240, 2).tolist()) for _ in range(4)]
    ImageDraw.Draw(image).line(points, fill=0, width=20)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def start_server(predictor):
    """A uvicorn server for `predictor` on a free localhost port: (its URL, stop())."""
    sock = bind("127.0.0.1", 0)
    server = make_server(create_app(predictor))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.02)

    def stop():
        server.should_exit = True
        thread.join(10)
        sock.close()

    return url(sock).rstrip("/"), stop


def run_clients(address, requests, clients, send):
    """Send `requests` requests from `clients` threads; [(index, seconds, answer or None)]."""

    def client(indices):
        done = []
        with httpx.Client(base_url=address, timeout=60) as http:
            for i in indices:
                start = time.perf_counter()
                response = send(http, i)
                seconds = time.perf_counter() - start
                done.append((i, seconds, response.json() if response.status_code == 200 else None))
        return done

    with ThreadPoolExecutor(clients) as pool:
        shares = [range(c, requests, clients) for c in range(clients)]
        return [r for done in pool.map(client, shares) for r in done]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", help="a checkpoint or run folder (default: a small CNN)")
    parser.add_argument("--requests", type=int, default=200, help="how many (200)")
    parser.add_argument("--clients", type=int, default=8, help="how many at once (8)")
    parser.add_argument("--image", action="store_true", help="send PNG drawings, not pixels")
    args = parser.parse_args(argv)

    if args.checkpoint:
        network = zerodl.load(args.checkpoint)
    else:
        network = SimpleConvNet(hidden_size=50, weight_init_std="he", seed=0)
    predictor = Predictor(network, name="benchmark")
    rng = np.random.default_rng(0)
    count = min(args.requests, 50)  # distinct inputs, reused in turn
    if args.image:
        pngs = [drawn_digit(rng) for _ in range(count)]
        expected = [predictor.predict_image(p)["probabilities"] for p in pngs]

        def send(http, i):
            files = {"image": ("digit.png", pngs[i % count], "image/png")}
            return http.post("/api/predict", files=files)
    else:
        images = rng.random((count, 784), dtype=np.float32)
        shape = (count, *(network.input_shape or (784,)))
        expected = network.predict_proba(images.reshape(shape))  # the network's own answers

        def send(http, i):
            return http.post("/api/predict", json={"pixels": images[i % count].tolist()})

    address, stop = start_server(predictor)
    try:
        start = time.perf_counter()
        results = run_clients(address, args.requests, args.clients, send)
        wall = time.perf_counter() - start
    finally:
        stop()

    right = sum(
        answer is not None and np.allclose(answer["probabilities"], expected[i % count], atol=1e-6)
        for i, _, answer in results
    )
    ms = np.array([seconds for _, seconds, _ in results]) * 1000
    kind = "PNG uploads" if args.image else "pixels"
    print(
        f"{type(network).__name__}, {args.requests} requests of {kind} from {args.clients} "
        f"clients: {right} answered correctly"
    )
    print(
        f"latency p50 {np.percentile(ms, 50):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms, "
        f"max {ms.max():.1f} ms; {len(results) / wall:.0f} requests/s"
    )
    return 0 if right == args.requests else 1


if __name__ == "__main__":
    sys.exit(main())
