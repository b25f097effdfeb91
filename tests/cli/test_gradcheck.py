"""zerodl gradcheck: backprop agrees with numerical gradients on every model, and says so."""

from .helpers import run


def test_gradcheck_passes_for_every_model(capsys):
    code, out, _ = run(capsys, "gradcheck")
    assert code == 0
    for model in ("two_layer", "mlp", "simple_cnn", "deep_cnn"):
        assert f"\n{model} " in out
    assert "all 40 gradients agree" in out  # 5 + 11 + 7 + 17 arrays


def test_gradcheck_fails_when_the_tolerance_cannot_be_met(capsys):
    code, out, _ = run(capsys, "gradcheck", "--model", "two_layer", "--tolerance", "1e-20")
    assert code == 1 and "FAIL" in out and "5 of 5 gradients disagree" in out
