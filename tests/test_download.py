"""Downloads against a real HTTP server on 127.0.0.1 that the test starts; never the internet.

The server serves fake MNIST files made with write_idx, under a few base URLs that behave
differently: /good/ serves them, /bad/ serves altered bytes (checksum mismatch), /cut/ announces
the full length but stops halfway, and anything else is a 404.
"""

import hashlib
import http.server
import socket
import threading

import numpy as np
import pytest

from mnist_fakes import FILE_NAMES, cache_dir, no_local_data, write_fake_dataset
from zerodl.datasets import DatasetNotFoundError, load_mnist
from zerodl.datasets import download as download_module


class Handler(http.server.BaseHTTPRequestHandler):
    files = {}  # file name -> bytes, set by the fixture
    requests = []  # the paths asked for, in order

    def do_GET(self):  # noqa: N802 (the name http.server requires)
        type(self).requests.append(self.path)
        _, base, name = self.path.split("/", 2) if self.path.count("/") >= 2 else ("", "", "")
        body = self.files.get(name)
        if body is None or base not in ("good", "bad", "cut"):
            self.send_error(404)
            return
        if base == "bad":
            body = body[:-1] + bytes([body[-1] ^ 0xFF])  # same length, one byte differs
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if base == "cut":
            self.wfile.write(body[: len(body) // 2])  # then hang up: a transfer cut short
            self.close_connection = True
        else:
            self.wfile.write(body)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """Serve fake MNIST files; the checksum table is made to publish their MD5s."""
    arrays = write_fake_dataset(tmp_path / "published")
    files = {
        f"{name}.gz": (tmp_path / "published" / f"{name}.gz").read_bytes()
        for name in FILE_NAMES.values()
    }
    monkeypatch.setattr(Handler, "files", files)
    monkeypatch.setattr(Handler, "requests", [])
    monkeypatch.setitem(
        download_module.CHECKSUMS,
        "mnist",
        {name: "md5:" + hashlib.md5(body).hexdigest() for name, body in files.items()},
    )
    # nothing local, and no proxy between us and 127.0.0.1
    no_local_data(tmp_path, monkeypatch)
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield base, arrays
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def use_mirrors(monkeypatch, *urls):
    monkeypatch.setitem(download_module.MIRRORS, "mnist", list(urls))


def files_under(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_good_download(tmp_path, monkeypatch, server):
    base, arrays = server
    use_mirrors(monkeypatch, f"{base}/good/")
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=False, flatten=False)
    np.testing.assert_array_equal(x_train[:, 0], arrays["x_train"])
    np.testing.assert_array_equal(t_train, arrays["t_train"])
    np.testing.assert_array_equal(x_test[:, 0], arrays["x_test"])
    np.testing.assert_array_equal(t_test, arrays["t_test"])
    downloaded = sorted(f"{name}.gz" for name in FILE_NAMES.values())
    assert files_under(cache_dir(tmp_path)) == sorted(downloaded + ["parsed.npz"])  # no .tmp
    assert len(Handler.requests) == 4

    load_mnist()  # the second time, everything is local
    assert len(Handler.requests) == 4


def test_a_checksum_mismatch_is_rejected_and_leaves_nothing(tmp_path, monkeypatch, server):
    base, _ = server
    use_mirrors(monkeypatch, f"{base}/bad/")
    with pytest.raises(DatasetNotFoundError, match="(?i)md5.*does not match") as info:
        load_mnist()
    assert f"{base}/bad/train-images-idx3-ubyte.gz" in str(info.value)
    assert files_under(cache_dir(tmp_path)) == []


def test_a_transfer_cut_short_is_rejected_and_leaves_nothing(tmp_path, monkeypatch, server):
    base, _ = server
    use_mirrors(monkeypatch, f"{base}/cut/")
    with pytest.raises(DatasetNotFoundError, match="Downloading failed") as info:
        load_mnist()
    assert f"{base}/cut/train-images-idx3-ubyte.gz: ChunkedEncodingError" in str(info.value)
    assert files_under(cache_dir(tmp_path)) == []


def test_404_on_the_first_mirror_then_success_on_the_second(tmp_path, monkeypatch, server):
    base, arrays = server
    use_mirrors(monkeypatch, f"{base}/dead/", f"{base}/good/")
    (_, t_train), _ = load_mnist()
    np.testing.assert_array_equal(t_train, arrays["t_train"])
    assert Handler.requests[:2] == [
        "/dead/train-images-idx3-ubyte.gz",
        "/good/train-images-idx3-ubyte.gz",
    ]
    assert len(Handler.requests) == 8


def test_a_404_is_reported_as_such(tmp_path, monkeypatch, server):
    base, _ = server
    use_mirrors(monkeypatch, f"{base}/dead/")
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist()
    assert f"{base}/dead/train-images-idx3-ubyte.gz: HTTP 404" in str(info.value)
    assert files_under(cache_dir(tmp_path)) == []


@pytest.mark.parametrize("broken", ["bad", "cut", "dead"])
def test_every_kind_of_failure_falls_through_to_the_next_mirror(monkeypatch, server, broken):
    base, arrays = server
    use_mirrors(monkeypatch, f"{base}/{broken}/", f"{base}/good/")
    (_, t_train), _ = load_mnist()
    np.testing.assert_array_equal(t_train, arrays["t_train"])


def test_verified_files_already_downloaded_are_kept(tmp_path, monkeypatch, server):
    """A download that failed halfway leaves only verified files, which the next try reuses."""
    base, _ = server
    use_mirrors(monkeypatch, f"{base}/good/")
    target = cache_dir(tmp_path)
    download_module.download("mnist", target, progressbar=False)
    assert len(Handler.requests) == 4
    (target / "t10k-labels-idx1-ubyte.gz").unlink()
    download_module.download("mnist", target, progressbar=False)
    assert Handler.requests[4:] == ["/good/t10k-labels-idx1-ubyte.gz"]


def test_no_network_at_all(tmp_path, monkeypatch, server):
    with socket.socket() as s:  # a port that nobody listens on
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    use_mirrors(monkeypatch, f"http://127.0.0.1:{closed_port}/mnist/")
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist()
    message = str(info.value)
    assert "cannot connect (no network, or the host is down)" in message
    assert str(cache_dir(tmp_path)) in message
    assert all(f"{name}.gz" in message for name in FILE_NAMES.values())
    assert files_under(cache_dir(tmp_path)) == []


def test_the_published_tables_are_complete():
    for dataset in ("mnist", "fashion-mnist"):
        assert download_module.MIRRORS[dataset], dataset
        assert all(url.endswith("/") for url in download_module.MIRRORS[dataset])
        names = {f"{name}.gz" for name in FILE_NAMES.values()}
        assert set(download_module.CHECKSUMS[dataset]) == names
        for known_hash in download_module.CHECKSUMS[dataset].values():
            algorithm, digest = known_hash.split(":")
            assert algorithm == "md5" and len(digest) == 32 and int(digest, 16) >= 0
