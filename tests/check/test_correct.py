"""No false alarms: correct implementations, in the book's style and in others, pass with no
FAIL, and whole networks (a two-layer network, a SimpleConvNet, a DeepConvNet) pass."""

from pathlib import Path

import pytest

import zerodl

CORRECT = Path(__file__).parent / "correct"

# file -> (the pieces checked, those reported with a note rather than a plain pass)
EXPECTED = {
    "book_functions": (
        [
            "step_function",
            "sigmoid",
            "relu",
            "softmax",
            "cross_entropy_error",
            "mean_squared_error",
            "numerical_gradient",
            "im2col",
            "col2im",
        ],
        [],
    ),
    "book_layers": (
        [
            "MulLayer",
            "AddLayer",
            "Relu",
            "Sigmoid",
            "Affine",
            "SoftmaxWithLoss",
            "Dropout",
            "BatchNormalization",
            "Convolution",
            "Pooling",
        ],
        ["Relu", "Pooling"],  # the book's Relu.backward zeroes dout; its Pooling ignores pad
    ),
    "book_optimizers": (["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"], []),
    "other_styles": (
        [
            "sigmoid",
            "relu",
            "softmax",
            "cross_entropy_error",
            "numerical_gradient",
            "Relu",
            "Affine",
            "SoftmaxWithLoss",
            "Dropout",
            "BatchNormalization",
            "Pooling",
            "Momentum",
            "Nesterov",
            "Adam",
        ],
        ["cross_entropy_error", "numerical_gradient", "Affine", "SoftmaxWithLoss"],
    ),
    "two_layer_net": (["TwoLayerNet"], []),
    "multi_layer_net": (["MultiLayerNet"], []),
    "simple_convnet": (
        ["Relu", "Affine", "SoftmaxWithLoss", "Convolution", "Pooling", "SimpleConvNet"],
        ["Relu", "Pooling"],
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_correct_code_passes_with_no_fail(name):
    checked, noted = EXPECTED[name]
    report = zerodl.check(CORRECT / f"{name}.py")
    assert [p.name for p in report.pieces] == checked
    assert [p.name for p in report.pieces if p.status == "note"] == noted, report.text()
    assert report.count("FAIL") == 0 and report.exit_code == 0


def test_the_notes_say_what_the_book_does_and_fail_nothing():
    report = zerodl.check(CORRECT / "book_layers.py")
    (note,) = report["Relu"].findings
    assert "changes dout in place (the book's Relu does too)" in note.what
    (note,) = report["Pooling"].findings
    assert note.input.endswith("pad 1") and "fails there too" in note.details[-1]
    report = zerodl.check(CORRECT / "other_styles.py")
    assert "does not take labels" in report["SoftmaxWithLoss"].findings[0].what
    assert "4-D x" in " ".join(report["Affine"].findings[0].details)


def test_a_whole_deep_convnet_in_the_books_style_passes():
    report = zerodl.check(CORRECT / "deep_convnet.py")
    assert report["DeepConvNet"].status == "pass", report.text()


def test_the_learners_script_is_loaded_without_running_its_training_loop():
    # book_functions.py ends in `while True: pass` and two_layer_net.py's main block raises
    assert zerodl.check(CORRECT / "book_functions.py").exit_code == 0
    assert zerodl.check(CORRECT / "two_layer_net.py").exit_code == 0
