"""zerodl serve as a real uvicorn server on a free localhost port: many clients at once, a body
that never ends, a slow prediction, and the command itself (address, warning, Ctrl-C)."""

import http.client
import json
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

pytest.importorskip("uvicorn", reason="zerodl serve needs pip install 'zerodl[serve]'")
httpx = pytest.importorskip("httpx", reason="the tests of zerodl serve need pip install httpx")

import zerodl  # noqa: E402
from serve.helpers import serve_command, server_thread  # noqa: E402


def test_200_requests_from_8_clients_at_once_are_all_answered_correctly(predictor, cnn):
    rng = np.random.default_rng(0)
    images = rng.random((40, 784), dtype=np.float32)  # (40, 784)
    expected = cnn.predict_proba(images.reshape(-1, 1, 28, 28))  # (40, 10), computed directly
    jobs = [k % len(images) for k in range(200)]  # which image each of the 200 requests sends

    with server_thread(predictor) as address:

        def client(share):
            answers = []
            with httpx.Client(base_url=address, timeout=30) as http:
                for i in share:
                    response = http.post("/api/predict", json={"pixels": images[i].tolist()})
                    answers.append((i, response.status_code, response.json()))
            return answers

        with ThreadPoolExecutor(8) as pool:
            shares = [jobs[c::8] for c in range(8)]
            results = [a for answers in pool.map(client, shares) for a in answers]

    assert len(results) == 200
    assert {status for _, status, _ in results} == {200}
    for i, _, answer in results:
        np.testing.assert_allclose(answer["probabilities"], expected[i], rtol=1e-5, atol=1e-7)
        assert answer["prediction"] == int(np.argmax(expected[i]))


def read_response(sock, deadline):
    """Bytes of the server's answer until it closes the connection (or the deadline)."""
    data = b""
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
    return data


def test_a_body_that_keeps_coming_is_cut_off_after_64_kib(predictor):
    """Chunked, without Content-Length: the server answers 413 once 64 KiB have come and reads
    no more; a client sending 10 MB is stopped long before the end."""
    with server_thread(predictor) as address:
        host, port = address.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(
                b"POST /api/predict HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            sent = 0
            chunk = b"%x\r\n%s\r\n" % (4096, b" " * 4096)
            sock.settimeout(0.05)
            answer = b""
            while sent < 10 * 1024 * 1024:
                try:
                    sock.sendall(chunk)
                    sent += 4096
                    answer += sock.recv(65536)
                except TimeoutError:
                    continue  # nothing to read yet
                except (BrokenPipeError, ConnectionResetError):
                    break
                if answer:
                    break
            sock.settimeout(5)
            answer += read_response(sock, time.monotonic() + 5)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1]) == {
        "error": "the request body is over 64 KiB"
    }
    assert sent < 1024 * 1024  # the server stopped it within the first megabyte


def test_a_content_length_over_the_limit_is_answered_before_the_body_is_sent(predictor):
    with server_thread(predictor) as address:
        host, port = address.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(
                b"POST /api/predict HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/json\r\nContent-Length: 10485760\r\n\r\n"
            )
            answer = read_response(sock, time.monotonic() + 5)  # not one byte of body sent
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"access-control" not in answer.lower() and b"server: uvicorn" not in answer.lower()


def test_a_slow_prediction_does_not_block_the_server(predictor, monkeypatch):
    def slow(pixels, feature_maps=False):
        time.sleep(1.5)  # a blocking call, as a big network's forward pass is
        return {"prediction": 0, "probabilities": [1.0], "input": []}

    monkeypatch.setattr(predictor, "predict_pixels", slow)
    with server_thread(predictor) as address, ThreadPoolExecutor(1) as pool:
        with httpx.Client(base_url=address, timeout=10) as http:
            pending = pool.submit(http.post, "/api/predict", json={"pixels": [0] * 784})
            time.sleep(0.3)  # the prediction is running now
            start = time.monotonic()
            health = httpx.get(f"{address}/healthz", timeout=10)
            waited = time.monotonic() - start
            assert pending.result().status_code == 200
    assert health.status_code == 200
    assert waited < 0.5  # answered while the prediction ran, not after it


def test_the_command_serves_a_run_prints_its_address_and_stops_on_ctrl_c(tmp_path, cnn):
    (tmp_path / "my-run").mkdir()
    path = zerodl.save(cnn, tmp_path / "my-run" / "best.npz", dataset="mnist")
    with serve_command(path.parent) as (address, process):
        assert address.startswith("http://127.0.0.1:")
        assert httpx.get(f"{address}/healthz").json() == {"status": "ok"}
        model = httpx.get(f"{address}/api/model").json()
        assert model["name"] == "my-run" and model["network"] == "SimpleConvNet"
        page = httpx.get(f"{address}/")
        assert "<canvas" in page.text
        assert httpx.get(address + "/healthz", headers={"host": "evil.example"}).status_code == 400
    assert process.returncode == 0
    assert "serving my-run (SimpleConvNet)" in process.stdout_text
    assert "zerodl serve: stopped" in process.stderr_text
    assert "Traceback" not in process.stderr_text


def test_another_interface_only_with_host_and_then_a_warning(tmp_path, cnn):
    path = zerodl.save(cnn, tmp_path / "cnn.npz", dataset="mnist")
    with serve_command(path, "--host", "0.0.0.0") as (address, process):
        port = address.rsplit(":", 1)[1]
        other_name = httpx.get(f"http://127.0.0.1:{port}/healthz", headers={"host": "my-pc.lan"})
        assert other_name.status_code == 200  # --host: whatever name it is called by
    assert process.returncode == 0
    assert "warning: --host 0.0.0.0 lets other machines reach this server" in (process.stderr_text)


def test_a_port_in_use_is_one_line(tmp_path, cnn):
    path = zerodl.save(cnn, tmp_path / "cnn.npz", dataset="mnist")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "zerodl", "serve", str(path), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"zerodl serve: error: port {port} is in use on 127.0.0.1: choose another with --port"
    )


def test_an_answer_does_not_wait_for_the_clients_delayed_ack(predictor):
    """Headers and body leave at once (TCP_NODELAY): without it every answer on a kept-alive
    connection waited for Linux's delayed ACK, 40 ms at least."""
    with server_thread(predictor) as address:
        host, port = address.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        times = []
        for _ in range(21):
            start = time.perf_counter()
            connection.request("GET", "/healthz", headers={"Host": "localhost"})
            assert connection.getresponse().read() == b'{"status":"ok"}'
            times.append(time.perf_counter() - start)
        connection.close()
    assert sorted(times)[10] < 0.030  # the median


def test_uvicorns_own_400_carries_the_security_headers(predictor):
    from zerodl.serve.app import SECURITY_HEADERS

    with server_thread(predictor) as address:
        host, port = address.removeprefix("http://").split(":")
        for request in (
            b"NOT HTTP AT ALL\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 20000,  # head unfinished
        ):
            with socket.create_connection((host, int(port)), timeout=5) as sock:
                for start in range(0, len(request), 4096):  # as the network delivers it
                    sock.sendall(request[start : start + 4096])
                    time.sleep(0.01)
                answer = read_response(sock, time.monotonic() + 5)
            head = answer.split(b"\r\n\r\n", 1)[0].lower()
            assert head.startswith(b"http/1.1 400"), answer[:200]
            for name, value in SECURITY_HEADERS:
                assert (name + b": " + value).lower() in head, (name, head)


def test_slow_clients_are_cut_off_without_slowing_the_others(predictor):
    """One connection idle, one sending its headers a byte at a time, one its body: each is
    closed once its deadline passes (1 s here; 10 s by default), while an ordinary client is
    answered at once all along."""
    timeout = 1.0
    with server_thread(predictor, head_timeout=timeout, body_timeout=timeout) as address:
        host, port = address.removeprefix("http://").split(":")
        idle, slow_head, slow_body = (
            socket.create_connection((host, int(port)), timeout=5) for _ in range(3)
        )
        slow_body.sendall(
            b"POST /api/predict HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
        )
        head = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n" + b"X-Slow: yes\r\n" * 20
        start, closed, answers, times = time.monotonic(), {}, {}, []
        with httpx.Client(base_url=address, timeout=5) as http:
            for step in range(40):  # 4 s
                for name, sock in (("idle", idle), ("head", slow_head), ("body", slow_body)):
                    if name in closed:
                        continue
                    try:
                        if name == "head":
                            sock.sendall(head[step : step + 1])
                        elif name == "body":
                            sock.sendall(b" ")
                        sock.setblocking(False)
                        data = sock.recv(65536)
                        answers[name] = answers.get(name, b"") + data
                        if not data:
                            closed[name] = time.monotonic() - start
                    except BlockingIOError:
                        pass
                    except (BrokenPipeError, ConnectionResetError):
                        closed[name] = time.monotonic() - start
                t = time.monotonic()
                assert http.get("/healthz").status_code == 200
                times.append(time.monotonic() - t)
                if len(closed) == 3:
                    break
                time.sleep(0.1)
        for sock in (idle, slow_head, slow_body):
            sock.close()
    assert set(closed) == {"idle", "head", "body"}, closed
    assert all(timeout * 0.9 < seconds < timeout + 3 for seconds in closed.values()), closed
    assert answers.get("body", b"").startswith(b"HTTP/1.1 408"), answers
    assert max(times) < 1.0, times  # never waiting for a slow one (its deadline is 1 s)


def test_a_checkpoint_with_nan_weights_is_not_served(tmp_path, cnn):
    cnn.params["W1"][...] = np.nan
    path = zerodl.save(cnn, tmp_path / "nan.npz", dataset="mnist")
    result = subprocess.run(
        [sys.executable, "-m", "zerodl", "serve", str(path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "NaN" in result.stderr and "Traceback" not in result.stderr
    assert "http://" not in result.stdout
