"""--pretrained NAME: the models shipped with zerodl, for predict, evaluate, visualize, summary;
predict's default model; nothing written into the package's folder."""

import pytest

from zerodl import zoo

from .helpers import draw, is_png, one_error_line, run


def test_predict_with_a_shipped_model(capsys, tmp_path):
    code, out, _ = run(capsys, "predict", "--pretrained", "mnist-mlp", draw(tmp_path / "7.png"))
    assert code == 0 and out.split(":")[1].split()[0] == "7"


def test_predict_without_a_model_uses_the_default_one(capsys, tmp_path, monkeypatch):
    from zerodl.cli import predict

    monkeypatch.setattr(predict, "DEFAULT_MODEL", "mnist-mlp")
    code, out, _ = run(
        capsys, "predict", draw(tmp_path / "7.png"), draw(tmp_path / "0.png", "zero")
    )
    assert code == 0
    assert [line.split(":")[1].split()[0] for line in out.splitlines()] == ["7", "0"]


def test_evaluate_a_shipped_model_writes_its_pictures_here_not_in_the_package(
    capsys, tmp_path, fake_mnist
):
    before = sorted(p.name for p in zoo.FOLDER.iterdir())
    code, out, _ = run(capsys, "evaluate", "--pretrained", "mnist-mlp")
    assert code == 0 and "MultiLayerNet from" in out and "mnist-mlp.npz" in out
    assert is_png(tmp_path / "confusion_matrix.png")
    assert sorted(p.name for p in zoo.FOLDER.iterdir()) == before


def test_summary_and_visualize_of_a_shipped_model(capsys, tmp_path):
    code, out, _ = run(capsys, "summary", "--pretrained", "mnist-mlp")
    card = zoo.card("mnist-mlp")
    assert code == 0 and f"Total parameters: {card['parameters']:,}" in out
    code, _, _ = run(capsys, "visualize", "--pretrained", "mnist-mlp")
    assert code == 0 and is_png(tmp_path / "filters-mnist-mlp.png")


def test_visualize_names_a_shipped_models_picture_after_it_so_none_replaces_another(
    capsys, tmp_path
):
    names = zoo.available()[:2]
    for name in names:
        code, out, _ = run(capsys, "visualize", "--pretrained", name)
        assert code == 0 and out.startswith(f"wrote filters-{name}.png")
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [f"filters-{n}.png" for n in names]


@pytest.mark.parametrize(
    "argv, words",
    [
        (["evaluate", "--pretrained", "resnet"], "unknown --pretrained 'resnet': choose one of"),
        (["evaluate", "run", "--pretrained", "mnist-mlp"], "not both"),
        (["visualize"], "give a RUN_OR_CHECKPOINT or --pretrained NAME"),
        (["summary", "--model", "mlp", "--pretrained", "mnist-mlp"], "one of them"),
    ],
)
def test_wrong_choices_are_one_line(capsys, argv, words):
    code, _, err = run(capsys, *argv)
    assert code == 2 and one_error_line(err) and words in err


def test_models_lists_every_shipped_model_with_its_accuracy(capsys):
    code, out, _ = run(capsys, "models")
    assert code == 0
    for name in zoo.available():
        card = zoo.card(name)
        assert name in out and f"{card['test_acc_float16']:.2%}" in out
