"""The HTTP API of zerodl serve, called directly (Starlette's TestClient, no socket)."""

import json
import re
import warnings

import numpy as np
import pytest

pytest.importorskip("starlette", reason="zerodl serve needs pip install 'zerodl[serve]'")
pytest.importorskip("httpx", reason="the tests of zerodl serve need pip install httpx")
from PIL import Image  # noqa: E402

with warnings.catch_warnings():  # Starlette 1.x would rather have httpx2, which is not out yet
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

import zerodl  # noqa: E402
from serve.helpers import png_bomb, png_bytes, seven  # noqa: E402
from zerodl.serve import MAX_BODY, Predictor, create_app, is_local_host  # noqa: E402
from zerodl.serve.app import SECURITY_HEADERS  # noqa: E402


@pytest.fixture
def client(predictor):
    return TestClient(create_app(predictor), base_url="http://localhost:8000")


def assert_short_error(response, status):
    """A JSON {"error": ...} of one short line, no traceback, no path."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    message = body["error"]
    assert 0 < len(message) <= 200 and "\n" not in message
    assert "Traceback" not in message and ".py" not in message and "/work" not in message
    return message


def assert_security_headers(response):
    """The headers every answer carries, errors included."""
    for name, value in SECURITY_HEADERS:
        assert response.headers.get(name.decode()) == value.decode(), (response, name)


def post_json(client, body, content_type="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/api/predict", content=data, headers={"content-type": content_type})


# --- answers ----------------------------------------------------------------------------------


def test_pixels_give_the_prediction_probabilities_and_input(client, cnn):
    x = np.random.default_rng(0).random(784).astype(np.float32)
    response = post_json(client, {"pixels": x.tolist()})
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"prediction", "probabilities", "input"}
    expected = cnn.predict_proba(x.reshape(1, 1, 28, 28))[0]
    np.testing.assert_allclose(answer["probabilities"], expected, rtol=1e-6)
    assert answer["prediction"] == int(np.argmax(expected))
    np.testing.assert_array_equal(np.array(answer["input"], dtype=np.float32), x)
    assert response.headers["cache-control"] == "no-store"


def test_an_uploaded_png_gives_the_prepared_input_and_feature_maps(client):
    files = {"image": ("seven.png", png_bytes(seven()), "image/png")}
    answer = client.post("/api/predict?feature_maps=true", files=files).json()
    image = np.array(answer["input"]).reshape(28, 28)
    rows, cols = np.nonzero(image > 0.05)
    assert image.max() > 0.9 and image[0].max() == 0  # white ink on black, a border left
    assert max(rows.max() - rows.min(), cols.max() - cols.min()) in (19, 20)  # fitted to 20
    assert np.array(answer["feature_maps"]).shape == (6, 24, 24)


@pytest.mark.slow
def test_a_drawn_seven_and_real_test_digits_are_read_by_a_trained_network(trained_checkpoint):
    path, x_test, t_test = trained_checkpoint
    network = zerodl.load(path)
    client = TestClient(create_app(Predictor(network, name="trained")), base_url="http://localhost")
    files = {"image": ("seven.png", png_bytes(seven()), "image/png")}
    answer = client.post("/api/predict", files=files).json()
    assert answer["prediction"] == 7 and answer["probabilities"][7] > 0.5
    right = 0
    for x, t in zip(x_test[:50], t_test[:50]):
        answer = post_json(client, {"pixels": x.ravel().tolist()}).json()
        right += answer["prediction"] == t
    assert right >= 43  # the network scores about 94% on the test set


def test_model_and_health(client):
    model = client.get("/api/model").json()
    assert model["network"] == "SimpleConvNet" and model["classes"] == list("0123456789")
    assert model["limits"] == {"max_body_bytes": 65536, "max_image_side": 1000}
    assert client.get("/healthz").json() == {"status": "ok"}


def test_the_openapi_document_describes_every_route_and_method_and_nothing_else(client):
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.") and spec["info"]["version"] == zerodl.__version__
    served = {}
    for route in client.app.routes:
        if route.path.startswith("/static/"):  # the page's own files
            continue
        served[route.path] = {m.lower() for m in route.methods} - {"head"}
    documented = {path: set(operations) for path, operations in spec["paths"].items()}
    assert documented == served
    assert set(spec["paths"]["/api/predict"]["post"]["requestBody"]["content"]) == {
        "application/json",
        "multipart/form-data",
    }
    text = json.dumps(spec)
    assert "{max_body}" not in text and "65536 bytes" in text and "1000x1000" in text


def test_the_page_and_its_files_come_from_this_server_only(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    references = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert references and all(r.startswith("/") or r.startswith("data:") for r in references)
    for path, kind in (
        ("/static/app.js", "text/javascript"),
        ("/static/i18n.js", "text/javascript"),
        ("/static/style.css", "text/css"),
    ):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
        assert "http://" not in response.text and "https://" not in response.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"


# --- what is refused --------------------------------------------------------------------------


def test_a_10_mb_body_is_refused_with_413_from_its_content_length(client):
    response = post_json(client, b"[" + b"0," * 5_000_000 + b"0]")
    assert "64 KiB" in assert_short_error(response, 413)


def test_a_10_mb_body_without_content_length_is_refused_once_64_kib_have_come(client):
    def chunks():  # no Content-Length: the body streams in (chunked transfer)
        for _ in range(10 * 1024):
            yield b" " * 1024

    response = client.post(
        "/api/predict", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.request.headers.get("content-length") is None
    assert_short_error(response, 413)  # (test_server shows that the rest is never read)


def test_a_body_of_exactly_the_limit_is_read(client):
    body = json.dumps({"pixels": [0.0] * 784}).encode()
    body += b" " * (MAX_BODY - len(body))
    assert len(body) == MAX_BODY
    assert post_json(client, body).status_code == 200
    assert_short_error(post_json(client, body + b" "), 413)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "image/png", ""]
)
def test_a_wrong_content_type_is_415(client, content_type):
    response = post_json(client, {"pixels": [0.0] * 784}, content_type=content_type)
    assert "application/json or multipart/form-data" in assert_short_error(response, 415)


@pytest.mark.parametrize(
    "body",
    [
        b'{"pixels": [0.0, 0.1',
        b"not json",
        b"",
        b"\xff\xfe\x00",
        b"[" * 20_000 + b"]" * 20_000,  # deeper than Python's recursion limit
        b'{"pixels": [0.5]}{"pixels": [0.5]}',
    ],
)
def test_malformed_json_is_400(client, body):
    assert "not valid JSON" in assert_short_error(post_json(client, body), 400)


@pytest.mark.parametrize(
    "body, words",
    [
        (b'{"pixels": [NaN' + b", 0" * 783 + b"]}", "NaN is not a JSON number"),
        (b'{"pixels": [Infinity' + b", 0" * 783 + b"]}", "Infinity is not a JSON number"),
        (b'{"pixels": [-Infinity' + b", 0" * 783 + b"]}", "-Infinity is not a JSON number"),
        (b'{"pixels": [1e999' + b", 0" * 783 + b"]}", "finite"),
        (b'{"pixels": [1.5' + b", 0" * 783 + b"]}", "[0, 1]"),
        (b'{"pixels": [-0.5' + b", 0" * 783 + b"]}", "[0, 1]"),
        (b'{"pixels": [255' + b", 0" * 783 + b"]}", "[0, 1]"),
        (b'{"pixels": [0' + b", 0" * 782 + b"]}", "784 numbers, got 783"),
        (b'{"pixels": ["0"' + b", 0" * 783 + b"]}", "numbers only"),
        (b'{"pixels": [true' + b", 0" * 783 + b"]}", "numbers only"),
        (b'{"pixels": "0.5"}', "list of 784"),
        (b'{"image": [0.5]}', '{"pixels": [784 numbers]}'),
        (b"[0.5, 0.5]", '{"pixels": [784 numbers]}'),
    ],
)
def test_nan_out_of_range_and_wrong_shapes_are_400(client, body, words):
    assert words in assert_short_error(post_json(client, body), 400)


def test_a_png_bomb_upload_is_400_before_decoding(client, monkeypatch):
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self.size))
    files = {"image": ("bomb.png", png_bomb(20000, 20000), "image/png")}
    response = client.post("/api/predict", files=files)
    assert "1000x1000" in assert_short_error(response, 400)
    assert decoded == []


@pytest.mark.parametrize(
    "files, status, words",
    [
        ({"image": ("a.gif", png_bytes(Image.new("L", (28, 28)), "GIF"), "image/gif")}, 415, "PNG"),
        ({"image": ("a.txt", b"hello", "text/plain")}, 415, "PNG or a JPEG"),
        ({"picture": ("a.png", png_bytes(seven()), "image/png")}, 400, 'field "image"'),
        ({"image": ("blank.png", png_bytes(Image.new("L", (99, 99), 255)), "image/png")}, 400, ""),
    ],
)
def test_uploads_that_are_not_a_digit_in_a_png_or_jpeg_are_refused(client, files, status, words):
    assert words in assert_short_error(client.post("/api/predict", files=files), status)


def test_a_form_field_that_is_not_a_file_is_400(client):
    response = client.post("/api/predict", data={"image": "not a file"}, files={"x": ("x", b"")})
    assert 'field "image"' in assert_short_error(response, 400)


REFUSED_HOSTS = [
    "evil.example",
    "evil.example:8000",
    "localhost.evil.example",
    "127.0.0.1.nip.io",
    "127.0.0.2",
    "0.0.0.0:8000",
    "localhost:8000@evil.example",
    "",
    "localhost:99999",
    "[::1]:65536",
    "localhost:",
]
LOCAL_HOSTS = [
    "localhost",
    "localhost:8000",
    "LOCALHOST:8000",
    "127.0.0.1:1",
    "[::1]:8000",
    "[::1]",
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_a_host_header_other_than_this_machine_is_400(client, host):
    assert not is_local_host(host)
    for request in (
        lambda: client.get("/", headers={"host": host}),
        lambda: client.get("/api/model", headers={"host": host}),
        lambda: client.post("/api/predict", json={"pixels": [0] * 784}, headers={"host": host}),
    ):
        response = request()
        assert response.status_code == 400, (host, response.text)
        assert "host" in response.text.lower() and len(response.text) < 100
        assert_security_headers(response)


@pytest.mark.parametrize("host", LOCAL_HOSTS)
def test_localhost_by_any_of_its_names_is_answered(client, host):
    assert is_local_host(host)
    assert client.get("/healthz", headers={"host": host}).status_code == 200


def test_a_port_that_is_no_port_is_refused_even_without_the_host_check(predictor):
    client = TestClient(create_app(predictor, check_host=False), base_url="http://my-laptop.lan")
    response = client.get("/healthz", headers={"host": "my-laptop.lan:99999"})
    assert "port" in assert_short_error(response, 400)


def test_without_the_host_check_any_name_is_answered(predictor):
    client = TestClient(create_app(predictor, check_host=False), base_url="http://my-laptop.lan")
    assert client.get("/healthz").status_code == 200


def test_no_cors_headers_even_when_another_origin_asks(client):
    origin = {"origin": "http://evil.example"}
    responses = [
        client.get("/api/model", headers=origin),
        client.post("/api/predict", json={"pixels": [0] * 784}, headers=origin),
        client.options(
            "/api/predict",
            headers={**origin, "access-control-request-method": "POST"},
        ),
    ]
    for response in responses:
        assert not [h for h in response.headers if h.lower().startswith("access-control-")]
    assert responses[2].status_code == 405


def test_unknown_paths_and_methods_are_short_json_errors(client):
    assert_short_error(client.get("/etc/passwd"), 404)
    assert_short_error(client.get("/static/../app.py"), 404)
    response = client.get("/api/predict")
    assert_short_error(response, 405)
    assert response.headers["allow"] == "POST"
    response = client.put("/api/model")
    assert_short_error(response, 405)
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD"}
    assert "feature_maps" in assert_short_error(
        client.post("/api/predict?feature_maps=maybe", json={"pixels": [0] * 784}), 400
    )


def test_an_error_inside_is_500_without_traceback_or_path(predictor, monkeypatch):
    def broken(*args):
        raise RuntimeError("/home/someone/secret/model.npz: boom")

    monkeypatch.setattr(predictor, "predict_pixels", broken)
    app = create_app(predictor)
    client = TestClient(app, base_url="http://localhost", raise_server_exceptions=False)
    response = post_json(client, {"pixels": [0] * 784})
    assert assert_short_error(response, 500) == "internal error"
    assert "secret" not in response.text
    assert app.debug is False
    assert_security_headers(response)


def test_a_number_no_float_can_hold_is_400_not_an_error_inside(client):
    body = b'{"pixels": [1' + b"0" * 400 + b", 0" * 783 + b"]}"  # 10**400, written out in full
    assert "finite" in assert_short_error(post_json(client, body), 400)


def test_every_error_answer_carries_the_security_headers(predictor, monkeypatch):
    app = create_app(predictor)
    client = TestClient(app, base_url="http://localhost", raise_server_exceptions=False)
    files = {"image": ("a.txt", b"hello", "text/plain")}
    answers = {
        400: post_json(client, b"not json"),
        404: client.get("/nothing"),
        405: client.delete("/api/model"),
        413: post_json(client, b" " * (MAX_BODY + 1)),
        415: client.post("/api/predict", files=files),
    }
    monkeypatch.setattr(predictor, "predict_pixels", lambda *a: 1 / 0)
    answers[500] = post_json(client, {"pixels": [0] * 784})
    for status, response in answers.items():
        assert response.status_code == status
        assert_security_headers(response)


def test_a_network_with_nan_weights_is_not_served():
    network = zerodl.networks.SimpleConvNet(conv_param={"filter_num": 2}, hidden_size=5, seed=0)
    network.params["W2"][0, 0] = np.nan
    with pytest.raises(ValueError, match="W2 hold NaN or infinity"):
        Predictor(network, name="broken")
