"""The errors zerodl raises about what it is given, typed so that a program can act on them
without reading their text.

    ArgumentError            a value an argument cannot take; names the argument, holds the
                             value and what was expected (a ValueError)
    OptionalDependencyError  a feature needs packages of an extra that is not installed; names
                             the extra to install (an ImportError)

The command line, for one, turns an ArgumentError about `batch_size` into a complaint about its
option --batch-size by looking up ``err.argument``, never by reading the message.
"""

import importlib

__all__ = ["ArgumentError", "OptionalDependencyError", "require"]


class ArgumentError(ValueError):
    """`value` is not one that `argument` can take.

    Attributes:
        argument: the argument's name as the function calls it ("batch_size", "learning rate").
        value: the value given.
        expected: what would do, e.g. "must be an integer >= 1".

    The message is "invalid ARGUMENT: VALUE (EXPECTED)" unless `message` words it otherwise.
    """

    def __init__(self, argument, value, expected, message=None):
        self.argument, self.value, self.expected = argument, value, expected
        super().__init__(message or f"invalid {argument}: {value!r} ({expected})")


class OptionalDependencyError(ImportError):
    """`feature` needs the packages `missing`, which ``pip install 'zerodl[EXTRA]'`` brings.

    Attributes:
        extra: the name of the extra ("serve", "mpi").
        missing: the modules that could not be imported.
        install: the command that installs them.
    """

    def __init__(self, feature, extra, missing):
        self.feature, self.extra, self.missing = feature, extra, tuple(missing)
        self.install = f"pip install 'zerodl[{extra}]'"
        super().__init__(f"{feature} needs {', '.join(self.missing)}: {self.install}")


def require(feature, extra, modules):
    """Import `modules`; an OptionalDependencyError naming `extra` if any cannot be imported."""
    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise OptionalDependencyError(feature, extra, missing)
