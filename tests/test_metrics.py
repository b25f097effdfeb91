"""zerodl.metrics: the confusion matrix, against a loop that counts."""

import numpy as np
import pytest

from zerodl.metrics import confusion_matrix, format_confusion_matrix


def test_confusion_matrix_counts_against_a_loop():
    rng = np.random.default_rng(0)
    t, y = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    expected = np.zeros((4, 4), np.int64)
    for true, predicted in zip(t, y):
        expected[true, predicted] += 1
    cm = confusion_matrix(t, y, 4)
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype == np.int64 and cm.sum() == 200
    assert confusion_matrix(t, y).shape == (4, 4)


def test_confusion_matrix_checks_its_labels():
    with pytest.raises(ValueError, match="0..2"):
        confusion_matrix([0, 3], [0, 1], 3)
    with pytest.raises(ValueError, match="2 true labels but 1"):
        confusion_matrix([0, 1], [0])


def test_format_confusion_matrix_rows_are_true_classes():
    text = format_confusion_matrix(np.array([[5, 1], [0, 7]]), ["cat", "dog"])
    lines = text.splitlines()
    assert "predicted" in lines[0]
    assert lines[1].split() == ["cat", "5", "1"] and lines[2].split() == ["dog", "0", "7"]
