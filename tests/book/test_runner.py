"""zerodl book and run_script: the book's names served for one run, and nothing left behind."""

import contextlib
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import zerodl
from zerodl.book import runner
from zerodl.book.common import layers
from zerodl.cli import main

PACKAGE = Path(zerodl.__file__).parent


def book_folder(tmp_path, script, **modules):
    """A learner's folder: ch01/script.py, and modules (name -> source) beside it."""
    chapter = tmp_path / "ch01"
    chapter.mkdir()
    (chapter / "script.py").write_text(textwrap.dedent(script))
    for name, source in modules.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return chapter / "script.py"


SHOW = """
    import json, os, sys
    sys.path.append(os.pardir)
    import common.layers, dataset.mnist
    print(json.dumps({"layers": common.layers.__name__, "mnist": dataset.mnist.__name__,
                      "argv": sys.argv[1:], "cwd": os.getcwd()}))
"""


def test_the_book_names_are_zerodls_during_the_run_and_gone_after(tmp_path, capsys):
    script = book_folder(tmp_path, SHOW)
    before = (list(sys.path), list(sys.meta_path), list(sys.argv))
    runner.run_script(script, ["--lr", "0.1"])
    shown = capsys.readouterr().out
    assert '"layers": "common.layers"' in shown  # named as in the book, a module of the run
    assert '"mnist": "dataset.mnist"' in shown
    assert '"argv": ["--lr", "0.1"]' in shown and str(script.parent) in shown
    assert not [name for name in sys.modules if name.split(".")[0] in ("common", "dataset")]
    assert (list(sys.path), list(sys.meta_path), list(sys.argv)) == before


def test_nothing_is_installed_under_the_book_names():
    code = "import importlib.util as u; print(u.find_spec('common'), u.find_spec('dataset'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None None"
    assert not (PACKAGE.parent / "common").exists() and not (PACKAGE.parent / "dataset").exists()


def test_the_state_is_put_back_when_the_script_fails(tmp_path):
    script = book_folder(tmp_path, "import common.layers\nraise ZeroDivisionError('x')\n")
    with pytest.raises(ZeroDivisionError):
        runner.run_script(script)
    assert "common" not in sys.modules and "common.layers" not in sys.modules


def test_a_name_zerodl_does_not_serve_says_what_is_served(tmp_path):
    script = book_folder(tmp_path, "import common.np\n")
    with pytest.raises(
        ModuleNotFoundError, match=r"serves common, common\.functions.*--own common"
    ):
        runner.run_script(script)


def test_the_learners_own_folder_is_named_and_used_only_when_asked(tmp_path, capsys):
    script = book_folder(
        tmp_path,
        "import sys, os\nsys.path.append(os.pardir)\nimport common.layers\n"
        "print(common.layers.WHO)\n",
        **{"common/__init__.py": "", "common/layers.py": "WHO = 'mine'\n"},
    )
    assert runner.learners_own(script) == {"common": tmp_path / "common"}
    assert main(["book", str(script)]) == 1  # zerodl's common.layers has no WHO
    err = capsys.readouterr().err
    assert f"common is zerodl's, not your {tmp_path / 'common'} (--own common uses yours)" in err
    assert "AttributeError" in err and 'script.py", line 4' in err  # the script's traceback
    assert main(["book", "--own", "common", str(script)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "mine" and f"common is your own, {tmp_path / 'common'}" in err
    assert "common.layers" not in sys.modules


def test_own_without_a_folder_is_a_wrong_command_line(tmp_path, capsys):
    script = book_folder(tmp_path, "pass\n")
    assert main(["book", "--own", "dataset", str(script)]) == 2
    assert "--own dataset: there is no dataset/ beside" in capsys.readouterr().err
    assert main(["book", str(tmp_path / "missing.py")]) == 2


@pytest.mark.parametrize(("ending", "code"), [("", 0), ("sys.exit(3)", 3), ("sys.exit('no')", 1)])
def test_the_scripts_exit_status_is_the_commands(tmp_path, ending, code):
    script = book_folder(tmp_path, f"import sys\n{ending}\n")
    assert main(["book", str(script)]) == code


def test_no_chdir_keeps_the_working_folder(tmp_path, capsys, monkeypatch):
    script = book_folder(tmp_path, "import os\nprint(os.getcwd())\n")
    monkeypatch.chdir(tmp_path)
    assert main(["book", "--no-chdir", str(script)]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path)


def test_a_second_run_imports_the_learners_modules_afresh(tmp_path, capsys):
    script = book_folder(tmp_path, "import helper\nprint(helper.VALUE)\n")
    (script.parent / "helper.py").write_text("VALUE = 1\n")
    runner.run_script(script)
    (script.parent / "helper.py").write_text("VALUE = 2\n")
    runner.run_script(script)
    assert capsys.readouterr().out.split() == ["1", "2"]


def test_only_the_command_line_imports_the_book_package():
    """zerodl.book sits above everything it adapts: nothing below it imports it."""
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).parts
        if relative[0] in ("book", "check", "cli"):
            continue
        assert "zerodl.book" not in path.read_text(), path


REPLACE_RELU = """
    import sys, os
    sys.path.append(os.pardir)
    import common.layers
    print(common.layers.Relu.__name__)
    class Mine:
        pass
    common.layers.Relu = Mine
    common.layers.Affine.forward = None
"""


def test_each_run_gets_module_objects_of_its_own(tmp_path, capsys):
    script = book_folder(tmp_path, REPLACE_RELU)
    original_relu, original_forward = layers.Relu, layers.Affine.forward
    runner.run_script(script)
    runner.run_script(script)  # the second run sees the book's Relu again, not the first's
    assert capsys.readouterr().out.split() == [original_relu.__name__] * 2
    assert layers.Relu is original_relu and layers.Affine.forward is original_forward
    first, second = runner.fresh_modules(), runner.fresh_modules()
    assert first["common.layers"] is not second["common.layers"]
    assert first["common"].layers is first["common.layers"]  # common.layers.Affine works
    assert first["common.layers"].Affine is not layers.Affine
    new_net = first["common.multi_layer_net"].MultiLayerNet
    assert first["common.multi_layer_net_extend"].MultiLayerNet is new_net
    assert sys.modules["zerodl.book.common.layers"] is layers


def test_a_script_that_deletes_the_folder_it_started_from_leaves_the_rest_restored(
    tmp_path, monkeypatch
):
    start = tmp_path / "start"
    start.mkdir()
    monkeypatch.chdir(start)
    script = book_folder(tmp_path, f"import shutil\nshutil.rmtree({str(start)!r})\n")
    before = (list(sys.path), list(sys.meta_path), list(sys.argv))
    runner.run_script(script)
    assert (list(sys.path), list(sys.meta_path), list(sys.argv)) == before
    assert not [name for name in sys.modules if name.split(".")[0] in ("common", "dataset")]


def test_a_standard_library_module_the_script_shadowed_is_put_back(tmp_path):
    script = book_folder(tmp_path, "import statistics\nprint(statistics.mean([1, 2]))\n")
    (script.parent / "fractions.py").write_text("Fraction = None  # the learner's, not Python's\n")
    code = (
        "import sys; from zerodl.book import runner\n"
        "sys.modules.pop('fractions', None); sys.modules.pop('statistics', None)\n"
        f"try:\n    runner.run_script({str(script)!r})\nexcept Exception as e:\n    print(e)\n"
        "import statistics; print(statistics.mean([1, 3]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "2"  # statistics works again, with Python's fractions


# Every module the book's chapters 3-8 import, with names each must give (README's table),
# written out here rather than read from runner.SERVED.
THE_BOOKS_MODULES = {
    "common.functions": ["sigmoid", "softmax", "cross_entropy_error", "relu"],
    "common.gradient": ["numerical_gradient"],
    "common.layers": ["Relu", "Sigmoid", "Affine", "SoftmaxWithLoss", "Dropout",
                      "BatchNormalization", "Convolution", "Pooling"],
    "common.optimizer": ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"],
    "common.trainer": ["Trainer"],
    "common.util": ["smooth_curve", "shuffle_dataset", "conv_output_size", "im2col", "col2im"],
    "common.multi_layer_net": ["MultiLayerNet"],
    "common.multi_layer_net_extend": ["MultiLayerNetExtend"],
    "dataset.mnist": ["load_mnist"],
}  # fmt: skip


def test_every_module_the_book_imports_is_served_with_the_books_names(tmp_path):
    script = tmp_path / "imports.py"
    script.write_text(
        textwrap.dedent("""
        import importlib, json, sys
        names = json.loads(sys.argv[1])
        found = {m: [n for n in names[m] if hasattr(importlib.import_module(m), n)] for m in names}
        print(json.dumps(found))
    """)
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runner.run_script(script, [json.dumps(THE_BOOKS_MODULES)])
    assert json.loads(out.getvalue().splitlines()[-1]) == THE_BOOKS_MODULES
