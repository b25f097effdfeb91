"""A learner's file loaded without running it: its imports and definitions, nothing else.

    module = load_definitions("ch05/two_layer_net.py")

The file is parsed (ast) and only these statements are run: imports, function and class
definitions, and assignments of constants the definitions may need (`EPS = 1e-7`, `DTYPE =
np.float64`, no calls). A training loop, `if __name__ == "__main__":` and any other statement
at the top level are left out, so loading never trains, draws, downloads or writes. The code
keeps the file's name and line numbers, so a traceback points into the learner's file.

Call it inside runner.served (zerodl check does), so that `from common.layers import *` and
`from dataset.mnist import load_mnist` find the book's packages as `zerodl book` serves them.
"""

import ast
import sys
import types
from pathlib import Path

from zerodl.check.running import learners_line
from zerodl.check.wording import Message, shown
from zerodl.i18n import N_

__all__ = ["LoadError", "definitions", "load_definitions"]


class LoadError(Exception):
    """The file cannot be loaded: one line naming the file and line (str() says it in the
    language zerodl speaks, as the command prints it)."""

    def __str__(self):
        return shown(self.args[0]) if self.args else ""


_SIMPLE = (
    ast.Constant,
    ast.Name,
    ast.Attribute,
    ast.Tuple,
    ast.List,
    ast.Dict,
    ast.Set,
    ast.UnaryOp,
    ast.BinOp,
    ast.Load,
    ast.operator,
    ast.unaryop,
)


def _is_constant(node):
    return all(isinstance(part, _SIMPLE) for part in ast.walk(node))


def _kept(node):
    if isinstance(
        node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    ):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):  # a docstring
        return True
    if isinstance(node, ast.Assign) and _is_constant(node.value):
        return all(isinstance(t, ast.Name) for t in node.targets)
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return isinstance(node.target, ast.Name) and _is_constant(node.value)
    if isinstance(node, ast.Try):  # try: import cupy as np / except ImportError: import numpy
        bodies = [node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)]
        return all(_kept(n) or isinstance(n, ast.Pass) for body in bodies for n in body)
    return False


def definitions(source, filename):
    """The code object of `source`'s imports, definitions and constants (see the docstring)."""
    tree = ast.parse(source, filename=filename)
    tree.body = [node for node in tree.body if _kept(node)]
    return compile(tree, filename, "exec")


def load_definitions(path):
    """A new module holding the definitions of the Python file `path`; LoadError if the file
    cannot be read, has a syntax error or an import fails."""
    path = Path(path).resolve()
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise LoadError(Message(N_("cannot read {path}: {error}"), path=path, error=err)) from None
    try:
        code = definitions(source, str(path))
    except SyntaxError as err:
        raise LoadError(f"{path.name}:{err.lineno}: SyntaxError: {err.msg}") from None
    name = path.stem
    if (path.parent / "__init__.py").is_file():  # common/layers.py is the module common.layers
        name = f"{path.parent.name}.{path.stem}"
    module = types.ModuleType(name)
    module.__file__ = str(path)
    module.__package__ = name.rpartition(".")[0]
    if name not in sys.modules:  # never in place of a module of that name (numpy.py, random.py)
        sys.modules[name] = module  # while loading, as an import does (dataclasses look it up)
    try:
        exec(code, module.__dict__)
    except Exception as err:  # noqa: BLE001 (an import of the learner's can raise anything)
        where, line = learners_line(err.__traceback__)
        message = str(err).splitlines()[0] if str(err) else ""
        where = where or path.name
        error = f"{where}: {type(err).__name__}: {message}"
        if line:
            error = Message(N_("{error} (in: {line})"), error=error, line=line)
        raise LoadError(error) from None
    return module
