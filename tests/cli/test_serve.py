"""zerodl serve: which model it serves, and what it says (the server itself: tests/serve)."""

import os
import sys
import time
import warnings

import pytest

import zerodl
from cli.helpers import one_error_line, run
from zerodl import zoo
from zerodl.checkpoint_file import save
from zerodl.cli import serve as serve_command
from zerodl.networks import MultiLayerNet, SimpleConvNet

pytest.importorskip("starlette", reason="zerodl serve needs pip install 'zerodl[serve]'")
with warnings.catch_warnings():  # Starlette 1.x would rather have httpx2, which is not out yet
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402


@pytest.fixture
def served(monkeypatch):
    """Stops `zerodl serve` short of serving: records the app and the address it would serve."""
    seen = {}

    def fake_serve(app, sock):
        seen["app"], seen["address"] = app, sock.getsockname()

    monkeypatch.setattr(serve_command, "serve", fake_serve)
    return seen


def make_run(folder, network, age_seconds=0, name="best.npz"):
    folder.mkdir(parents=True)
    path = zerodl.save(network, folder / name, dataset="mnist")
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return path


def model_of(seen):
    """What the app `zerodl serve` made says of its model (GET /api/model)."""
    with TestClient(seen["app"], base_url="http://localhost") as client:
        return client.get("/api/model").json()


def test_a_run_folder_is_served_on_127_0_0_1(capsys, served, tmp_path):
    make_run(tmp_path / "runs" / "cnn-mnist-1", SimpleConvNet(hidden_size=10, seed=0))
    code, out, err = run(capsys, "serve", "runs/cnn-mnist-1", "--port", "0")
    assert code == 0
    host, port = served["address"]
    assert host == "127.0.0.1" and port > 0
    assert out.splitlines() == [
        "serving cnn-mnist-1 (SimpleConvNet)",
        f"open http://127.0.0.1:{port}/ in a browser (Ctrl-C stops)",
    ]
    assert "warning" not in err


def test_without_a_model_the_newest_run_is_served_and_named(capsys, served, tmp_path):
    make_run(tmp_path / "runs" / "old", SimpleConvNet(hidden_size=10, seed=0), age_seconds=600)
    make_run(tmp_path / "runs" / "new", MultiLayerNet(784, [20], 10, seed=0), name="last.npz")
    make_run(tmp_path / "runs" / "older", SimpleConvNet(hidden_size=10, seed=0), age_seconds=900)
    (tmp_path / "runs" / "latest").symlink_to("old")
    code, out, err = run(capsys, "serve", "--port", "0")
    assert code == 0
    newest = os.path.join("runs", "new", "last.npz")
    assert f"no model given: serving the newest run, {newest} (MultiLayerNet" in err
    assert model_of(served)["name"] == "new" and model_of(served)["network"] == "MultiLayerNet"


def test_without_a_model_or_a_run_it_says_how_to_get_one(capsys, served):
    code, out, err = run(capsys, "serve")
    assert code == 1 and one_error_line(err) and out == ""
    assert "zerodl train" in err and "runs/" in err
    assert served == {}


@pytest.fixture(autouse=True)
def shipped(tmp_path, monkeypatch):
    """A zoo of our own, empty unless a test ships a model in it with ship(name, network,
    dataset), so that what zerodl itself ships changes no test here."""
    folder = tmp_path / "zoo"
    folder.mkdir()
    monkeypatch.setattr(zoo, "FOLDER", folder)

    def ship(name, network, dataset="mnist"):
        save(network, folder / f"{name}.npz", card={"name": name, "dataset": dataset})

    return ship


def test_an_unknown_shipped_name_lists_the_shipped_ones(capsys, served, shipped):
    code, _, err = run(capsys, "serve", "--pretrained", "mnist-cnn")
    assert code == 2 and one_error_line(err)
    assert "unknown --pretrained 'mnist-cnn': choose one of none are installed" in err
    shipped("mnist-mlp", MultiLayerNet(784, [20], 10, seed=0))
    code, _, err = run(capsys, "serve", "--pretrained", "mnist-giant")
    assert code == 2 and one_error_line(err) and "choose one of mnist-mlp" in err


def test_a_shipped_model_is_served_by_name_and_by_default(capsys, served, shipped, tmp_path):
    shipped("mnist-cnn", SimpleConvNet(hidden_size=10, seed=0))
    shipped("fashion-cnn", SimpleConvNet(hidden_size=10, seed=1), dataset="fashion-mnist")
    make_run(tmp_path / "runs" / "mine", MultiLayerNet(784, [20], 10, seed=0))
    assert run(capsys, "serve", "--pretrained", "fashion-cnn", "--port", "0")[0] == 0
    model = model_of(served)
    assert model["name"] == "fashion-cnn" and model["dataset"] == "fashion-mnist"
    assert model["classes"][0] == "T-shirt/top"
    code, _, err = run(capsys, "serve", "--port", "0")
    assert code == 0 and "serving the shipped mnist-cnn (SimpleConvNet" in err  # before the runs
    assert model_of(served)["name"] == "mnist-cnn"


def test_without_a_shipped_default_it_serves_the_newest_run(capsys, served, shipped, tmp_path):
    shipped("mnist-mlp", MultiLayerNet(784, [20], 10, seed=0))  # not the default model
    make_run(tmp_path / "runs" / "mine", MultiLayerNet(784, [20], 10, seed=0))
    code, _, err = run(capsys, "serve", "--port", "0")
    assert code == 0 and "serving the newest run" in err
    assert model_of(served)["name"] == "mine"


@pytest.mark.parametrize(
    "argv, words",
    [
        (["serve", "a.npz", "--pretrained", "mnist-cnn"], "not both"),
        (["serve", "--port", "70000"], "must be a port in 0..65535"),
        (["serve", "missing_run"], "no such checkpoint file or run folder"),
    ],
)
def test_wrong_command_lines_are_one_line(capsys, served, argv, words):
    code, out, err = run(capsys, *argv)
    assert code in (1, 2) and one_error_line(err) and words in err
    assert served == {}


def test_a_network_that_does_not_take_digits_is_refused(capsys, served, tmp_path):
    zerodl.save(MultiLayerNet(100, [10], 10, seed=0), tmp_path / "odd.npz")
    code, _, err = run(capsys, "serve", "odd.npz")
    assert code == 1 and one_error_line(err) and "not 28x28 images" in err


@pytest.mark.parametrize("absent", ["starlette", "uvicorn", "python_multipart"])
def test_without_the_server_packages_it_says_what_to_install(capsys, served, monkeypatch, absent):
    monkeypatch.setitem(sys.modules, absent, None)  # `import uvicorn` now fails, as if absent
    code, out, err = run(capsys, "serve")
    assert code == 1 and one_error_line(err) and out == "" and served == {}
    assert (
        err.strip()
        == f"zerodl serve: error: zerodl serve needs {absent}: pip install 'zerodl[serve]'"
    )


def test_a_missing_extra_is_its_own_error_naming_the_extra(monkeypatch):
    from zerodl.errors import OptionalDependencyError, require

    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(OptionalDependencyError) as caught:
        require("training on several processes", "mpi", ["numpy", "mpi4py"])
    assert caught.value.extra == "mpi" and caught.value.missing == ("mpi4py",)
    assert isinstance(caught.value, ImportError)
    assert caught.value.install == "pip install 'zerodl[mpi]'"
