"""zerodl.check in Python: what it loads, what it finds, bad input in one line, the time limit,
the learner's own line on an error, and the report as text, JSON data and HTML."""

import json
import os
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import zerodl
from zerodl.check import LoadError, UsageError, check
from zerodl.check.loading import load_definitions

BUGS = Path(__file__).parent / "bugs"
CORRECT = Path(__file__).parent / "correct"


def learners_file(tmp_path, source, name="mine.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def test_zerodl_check_is_the_module_and_calling_it_checks():
    import zerodl.check as module

    assert zerodl.check is module
    assert zerodl.check(BUGS / "sgd_climbs_the_gradient.py").exit_code == 1
    assert check(CORRECT / "book_optimizers.py").exit_code == 0


def test_loading_runs_imports_definitions_and_constants_only(tmp_path):
    path = learners_file(
        tmp_path,
        """
        import numpy as np
        EPS = 1e-7
        SCALE = 2 * EPS
        DTYPE = np.float64
        data = np.load("x.npy")
        print("training")
        for i in range(10):
            raise SystemExit
        def relu(x):
            return np.maximum(0, x)
        if __name__ == "__main__":
            raise SystemExit
    """,
    )
    module = load_definitions(path)
    assert module.SCALE == 2e-7 and module.DTYPE is np.float64 and callable(module.relu)
    assert not hasattr(module, "data") and not hasattr(module, "i")


def test_common_and_dataset_are_served_to_the_learners_file_and_taken_out_after(tmp_path):
    path = learners_file(
        tmp_path,
        """
        from common.functions import softmax
        from dataset.mnist import load_mnist
        def relu(x):
            return softmax(x) * 0 + (x > 0) * x
    """,
    )
    modules_before, path_before = set(sys.modules), list(sys.path)
    assert check(path).exit_code == 0
    assert not [
        m
        for m in set(sys.modules) - modules_before
        if m.split(".")[0] in ("common", "dataset", "mine")
    ]
    assert sys.path == path_before


def test_a_learners_own_common_is_used_when_it_has_one(tmp_path):
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "__init__.py").write_text("")
    (tmp_path / "common" / "functions.py").write_text(
        "import numpy as np\n"
        "def softmax(x):\n    return np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)\n"
    )
    chapter = tmp_path / "ch03"
    chapter.mkdir()
    path = learners_file(chapter, "from common.functions import softmax\n", "mine.py")
    report = check(path, "softmax")  # the learner's own, imported from their common/
    assert report["softmax"].hints == ["softmax_max"]


def test_pieces_are_found_by_the_books_names_or_by_the_names_given(tmp_path):
    path = learners_file(
        tmp_path,
        """
        import numpy as np
        class MyLoss:
            def forward(self, x, t):
                self.t = t
                e = np.exp(x - x.max(axis=1, keepdims=True))
                self.y = e / e.sum(axis=1, keepdims=True)
                if t.ndim == 1:
                    t = np.eye(x.shape[1])[t]
                self.onehot = t
                return -np.sum(t * np.log(self.y + 1e-7)) / len(x)
            def backward(self, dout=1):
                return (self.y - self.onehot) / len(self.y)
        def helper():
            pass
    """,
    )
    with pytest.raises(UsageError, match="nothing to check"):
        check(path)
    report = check(path, "MyLoss=SoftmaxWithLoss")
    assert report.pieces[0].label == "MyLoss (as SoftmaxWithLoss)"
    assert report.exit_code == 0
    with pytest.raises(UsageError, match=r"there is no Loss in the file \(it defines: MyLoss"):
        check(path, "Loss=SoftmaxWithLoss")
    with pytest.raises(UsageError, match="Softmax is not one of the book's pieces"):
        check(path, "MyLoss=Softmax")
    with pytest.raises(UsageError, match="arguments are for networks"):
        check(path, "MyLoss=SoftmaxWithLoss(3)")


def test_a_networks_arguments_come_from_the_command_line(tmp_path):
    path = learners_file(tmp_path, (CORRECT / "two_layer_net.py").read_text(), "two.py")
    report = check(path, "TwoLayerNet(20, 7, 4)")
    assert report.exit_code == 0
    net = learners_file(
        tmp_path,
        """
        import numpy as np
        class Net:
            def __init__(self, sizes, scale):
                self.params = {}
    """,
        "net.py",
    )
    report = check(net, "Net=TwoLayerNet")
    assert report.exit_code == 2 and report["Net"].status == "skipped"
    assert "zerodl check FILE 'Net=TwoLayerNet(784,50,10)'" in report["Net"].skipped
    assert "Net=TwoLayerNet" in report.text()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def relu(x):\n    return x +\n", r"^bad\.py:2: SyntaxError: invalid syntax"),
        (
            "import numpy as np\nimport no_such_module\n",
            r"^bad\.py:2: ModuleNotFoundError: No module named 'no_such_module'",
        ),
        (
            "from common.nothing import x\n",
            r"^bad\.py:1: ModuleNotFoundError: .*zerodl book serves",
        ),
    ],
)
def test_a_file_that_does_not_load_is_one_line_naming_the_file_and_line(tmp_path, source, message):
    path = learners_file(tmp_path, source, "bad.py")
    with pytest.raises(LoadError, match=message) as caught:
        check(path)
    assert "\n" not in str(caught.value)


def test_a_piece_that_raises_fails_with_the_learners_own_line(tmp_path):
    path = learners_file(
        tmp_path,
        """
        import numpy as np
        class Sigmoid:
            def forward(self, x):
                self.out = 1 / (1 + np.exp(-x))
                return self.out
            def backward(self, dout):
                return dout * self.ou
    """,
    )
    result = check(path)["Sigmoid"]
    assert result.status == "FAIL"
    assert result.findings[0].what.startswith("backward raised: AttributeError:")
    assert result.findings[0].details == ["at mine.py:8: return dout * self.ou"]


def test_a_piece_that_runs_too_long_fails_and_the_others_are_still_checked(tmp_path):
    path = learners_file(
        tmp_path,
        """
        import numpy as np
        def relu(x):
            while True:
                x = x + 0
        def sigmoid(x):
            return 1 / (1 + np.exp(-x))
    """,
    )
    report = check(path, time_limit=0.5)
    assert report["relu"].status == "FAIL"
    assert "ran too long" in report["relu"].findings[0].what
    assert report["relu"].findings[0].details[0] in (
        "at mine.py:4: while True:",
        "at mine.py:5: x = x + 0",
    )
    assert report["sigmoid"].status == "pass"


def test_a_wrong_shape_is_a_fail_of_that_piece(tmp_path):
    path = learners_file(
        tmp_path,
        """
        import numpy as np
        def softmax(x):
            return np.exp(x - x.max()).sum(axis=-1)
    """,
    )
    finding = check(path)["softmax"].findings[0]
    assert finding.details[0] == "shape (), expected (3,)"


def test_check_takes_a_module_a_class_or_a_function(tmp_path):
    path = learners_file(tmp_path, (BUGS / "adam_without_bias_correction.py").read_text())
    module = load_definitions(path)
    assert check(module).exit_code == 1
    assert check(module.Adam)["Adam"].hints == ["bias_correction"]

    def my_relu(x):
        return np.maximum(x, 0)

    assert check(my_relu, "my_relu=relu").exit_code == 0


def test_nothing_is_written(tmp_path):
    (tmp_path / "helper.py").write_text("import numpy as np\nSCALE = 1.0\n")
    path = learners_file(tmp_path, "from helper import SCALE\ndef relu(x):\n    return x * (x > 0)")
    before = sorted(os.walk(tmp_path))
    check(path)
    assert sorted(os.walk(tmp_path)) == before  # no __pycache__ for the learner's modules


def test_the_global_random_state_is_left_as_it_was():
    np.random.seed(5)  # noqa: NPY002 (the state the learner's code draws from)
    expected = np.random.rand()  # noqa: NPY002
    np.random.seed(5)  # noqa: NPY002
    check(CORRECT / "book_layers.py")
    assert np.random.rand() == expected  # noqa: NPY002


def test_the_report_reads_as_text_data_and_html():
    report = check(BUGS / "softmax_with_loss_not_divided_by_the_batch.py")
    text = repr(report)
    assert text.splitlines()[1].split() == ["FAIL", "SoftmaxWithLoss", "layer"]
    assert "yours = 2 x expected: the batch size N = 2" in text
    assert "hint: off by the batch size" in text
    assert text.splitlines()[-1] == "0 of 1 pieces pass, 1 FAIL"
    data = json.loads(json.dumps(report.to_dict()))
    (piece,) = data["pieces"]
    assert piece["status"] == "FAIL" and piece["findings"][0]["hint"] == "batch_size"
    assert data["exit_code"] == 1
    assert repr(report["SoftmaxWithLoss"]) == "\n".join(text.splitlines()[1:-1])
    html = report._repr_html_()
    assert "<table>" in html and ">FAIL</td>" in html and "SoftmaxWithLoss" in html


def test_pieces_defined_in_a_notebook_cell_are_found():
    cell = compile(
        "import numpy as np\ndef relu(x):\n    return np.maximum(0, x)\n",
        "<ipython-input-1>",
        "exec",
    )
    namespace = {}
    exec(cell, namespace)
    module = type(sys)("__main__")
    module.__dict__.update(namespace)
    assert [p.name for p in check(module).pieces] == ["relu"]


def test_a_piece_that_returns_something_else_fails_without_a_traceback(tmp_path):
    path = learners_file(
        tmp_path,
        """
        class Relu:
            def forward(self, x):
                return "relu"
            def backward(self, dout):
                return dout
        class SGD:
            def __init__(self, lr=0.01):
                self.lr = lr
            def update(self, params, grads):
                return None
    """,
    )
    report = check(path)
    assert report["Relu"].status == "FAIL"
    assert report["Relu"].findings[0].what == "forward: returned str, not an array of numbers"
    assert report["SGD"].status == "FAIL"


def test_a_file_named_like_a_module_in_use_does_not_replace_it(tmp_path):
    import random

    path = learners_file(tmp_path, "def relu(x):\n    return x * (x > 0)\n", "random.py")
    assert check(path).exit_code == 0
    assert sys.modules["random"] is random


def test_the_time_limit_holds_outside_the_main_thread_too(tmp_path):
    import threading

    path = learners_file(
        tmp_path,
        """
        def relu(x):
            while True:
                x = x + 0
    """,
    )
    reports = []
    worker = threading.Thread(target=lambda: reports.append(check(path, time_limit=0.5)))
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive()
    (report,) = reports
    assert "ran too long" in report["relu"].findings[0].what
