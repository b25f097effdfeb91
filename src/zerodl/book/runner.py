"""run_script: a script from the book run with `common` and `dataset` served by zerodl, for that
run only.

    run_script("ch05/train_neuralnet.py", args=[], own=())

How the names are served without installing anything: the modules of zerodl.book.common and
zerodl.book.dataset are entered in `sys.modules` under the book's names (`common`,
`common.layers`, ..., `dataset.mnist`) just before the script runs, so that `import
common.layers` finds them there and never searches `sys.path`; a finder at the front of
`sys.meta_path` answers any other `common.*` name with an error that says what is served. Each
run gets module objects of its own, executed afresh from zerodl's files (`fresh_modules`): a
script that replaces `common.layers.Relu` changes it for itself only, never for the next script
nor for zerodl.book.common.layers. After the script, whether it ended or raised, every one of
these is taken out again, with `sys.argv`, `sys.path` and the working directory as they were
(each put back even when another cannot be: a script may delete the folder it was started
from), and a standard-library module that the script's folder shadowed (its own `fractions.py`
imported by `statistics`) is forgotten, so that the next import finds the real one. They only
ever exist inside the process that runs the script (the `zerodl book` command is a process of
its own): the installed package holds zerodl.book.common, never a top-level `common`, so no
other program can import them.

`served(folder, own)` is the same environment without a script: `zerodl check` loads a learner's
file inside it.

The script runs as `cd chNN && python script.py` runs it in the book: as `__main__`, from its own
folder (the book's scripts open files such as params.pkl relative to it), with that folder and
its parent on `sys.path` (the book's `sys.path.append(os.pardir)` then finds the learner's own
modules beside the chapters). `own=("common",)` leaves `common` to the learner's own folder.
"""

import importlib.abc
import importlib.util
import os
import runpy
import sys
from contextlib import contextmanager
from pathlib import Path

from zerodl.book import common, dataset
from zerodl.book.common import (
    functions,
    gradient,
    layers,
    multi_layer_net,
    multi_layer_net_extend,
    optimizer,
    trainer,
    util,
)
from zerodl.book.dataset import mnist

__all__ = ["SERVED", "fresh_modules", "learners_own", "run_script", "served"]

# The book's module names and the zerodl modules served under them, by top-level package.
SERVED = {
    "common": {
        "common": common,
        "common.functions": functions,
        "common.gradient": gradient,
        "common.layers": layers,
        "common.multi_layer_net": multi_layer_net,
        "common.multi_layer_net_extend": multi_layer_net_extend,
        "common.optimizer": optimizer,
        "common.trainer": trainer,
        "common.util": util,
    },
    "dataset": {"dataset": dataset, "dataset.mnist": mnist},
}


def learners_own(script):
    """{"common": path, ...}: the learner's own packages (or modules) of the served names,
    beside the script or in its parent folder, where the book's scripts look for them."""
    folder = Path(script).resolve().parent
    found = {}
    for name in SERVED:
        for base in (folder, folder.parent):
            package, module = base / name, base / f"{name}.py"
            if (package.is_dir() and any(package.glob("*.py"))) or module.is_file():
                found[name] = package if package.is_dir() else module
                break
    return found


class _NotServed(importlib.abc.MetaPathFinder):
    """Answers an import of a name under a served package that zerodl does not provide."""

    def __init__(self, tops):
        self.tops = tuple(tops)

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top not in self.tops or fullname in sys.modules:
            return None
        provided = ", ".join(sorted(SERVED[top]))
        raise ModuleNotFoundError(
            f"No module named {fullname!r}: zerodl book serves {provided}. To use your own "
            f"{top}/ folder instead, run zerodl book --own {top} SCRIPT",
            name=fullname,
        )


def fresh_modules(tops=tuple(SERVED)):
    """{book name: a new module object} for the packages `tops`, each executed afresh from the
    file of the zerodl module served under that name, and named as in the book
    (`common.layers`), so that what a script changes in them stays in them.

    The served modules import one another by zerodl's names (common/trainer.py imports
    zerodl.book.common.layers.SoftmaxWithLoss): while they are executed, in SERVED's order, those
    names lead to the new modules made before, so that the new trainer knows the new layers.
    """
    modules, hidden = {}, {}
    try:
        for top in tops:
            for name, original in SERVED[top].items():
                is_package = hasattr(original, "__path__")
                spec = importlib.util.spec_from_file_location(
                    name, original.__file__, submodule_search_locations=[] if is_package else None
                )  # a package that finds no files of its own: _NotServed answers the other names
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                modules[name] = module
                parent, _, child = name.rpartition(".")
                if parent:  # `import common.layers` then `common.layers.Affine` needs the attribute
                    setattr(modules[parent], child, module)
                hidden.setdefault(original.__name__, sys.modules.get(original.__name__))
                sys.modules[original.__name__] = module  # for the new modules executed after it
    finally:
        for name, original in hidden.items():
            sys.modules[name] = original
    return modules


@contextmanager
def served(folder, own=()):
    """Within the block: the book's packages served by zerodl (fresh module objects) except
    those named in `own`, and `folder` and its parent at the front of sys.path, as a script in
    `folder` sees them under `zerodl book`; everything put back afterwards.

    Yields the dict of served modules (book name -> module).
    """
    unknown = set(own) - set(SERVED)
    if unknown:
        raise ValueError(f"own must name packages among {sorted(SERVED)}, got {sorted(unknown)}")
    folder = Path(folder).resolve()
    tops = tuple(top for top in SERVED if top not in own)
    saved_path = list(sys.path)
    saved_modules = {name: m for name, m in sys.modules.items() if name.partition(".")[0] in SERVED}
    before = set(sys.modules)
    finder = _NotServed(tops)
    modules = {}
    try:
        for name in saved_modules:  # a learner's own common imported earlier in this process
            del sys.modules[name]
        modules = fresh_modules(tops)
        sys.modules.update(modules)
        sys.meta_path.insert(0, finder)
        sys.path[:0] = [str(folder), str(folder.parent)]
        yield modules
    finally:
        sys.path[:] = saved_path
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
        _forget_the_runs_modules(before, folder)
        for name in modules:
            sys.modules.pop(name, None)
        sys.modules.update(saved_modules)


def run_script(script, args=(), own=(), chdir=True):
    """Run the Python file `script` as `__main__` with `args` in sys.argv[1:], the book's
    packages served by zerodl except those named in `own`; everything is put back afterwards.

    Raises whatever the script raises (SystemExit included).
    """
    path = Path(script).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no such script: {script}")
    saved_argv, saved_cwd = sys.argv, os.getcwd()
    try:
        with served(path.parent, own):
            sys.argv = [str(script), *map(str, args)]
            if chdir:
                os.chdir(path.parent)
            runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = saved_argv
        try:
            os.chdir(saved_cwd)
        except OSError:  # the script deleted it: there is nothing to go back to
            pass


def _forget_the_runs_modules(before, folder):
    """Take out of sys.modules what the run brought in that a later run must import afresh: the
    served names, the learner's own modules beside the script or in its parent folder, and,
    when one of those has a standard library module's name, every standard library module the
    run imported (they may hold the learner's module in place of the real one)."""
    new = set(sys.modules) - before
    own = {name for name in new if _belongs_to_the_run(name, sys.modules[name], folder)}
    if any(name.partition(".")[0] in sys.stdlib_module_names for name in own):
        own |= {name for name in new if name.partition(".")[0] in sys.stdlib_module_names}
    for name in own:
        del sys.modules[name]


def _belongs_to_the_run(name, module, folder):
    """True for a module the script's run brought in: the served names, and the learner's own
    modules beside the script or in its parent folder (a second run must import them afresh)."""
    if name.partition(".")[0] in SERVED:
        return True
    file = getattr(module, "__file__", None)
    return file is not None and Path(file).resolve().parent in (folder, folder.parent)
