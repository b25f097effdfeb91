"""zerodl summary: the layer table of a model or of a checkpoint."""

import pytest

from .helpers import one_error_line, run


def test_summary_of_a_model_and_of_a_checkpoint(capsys, cnn_checkpoint):
    code, out, _ = run(capsys, "summary", "--model", "simple_cnn")
    assert code == 0
    assert "SimpleConvNet" in out and "Total parameters: 433,890" in out  # the book's network
    code, out, _ = run(capsys, "summary", cnn_checkpoint)
    assert code == 0 and "(N, 6, 24, 24)" in out


def test_summary_of_the_mlp_that_train_builds(capsys):
    code, out, _ = run(capsys, "summary", "--model", "mlp")
    # 784-100-100-100-100-10: (784 + 1) * 100 + 3 * (100 + 1) * 100 + (100 + 1) * 10
    assert code == 0 and f"Total parameters: {785 * 100 + 3 * 101 * 100 + 101 * 10:,}" in out


@pytest.mark.parametrize("argv", [[], ["net.npz", "--model", "mlp"]])
def test_summary_needs_a_checkpoint_or_a_model(capsys, argv):
    code, out, err = run(capsys, "summary", *argv)
    assert code == 2 and one_error_line(err) and "CHECKPOINT, --model NAME or --pretrained" in err
    assert out == ""
