"""Warnings that point at the user's line, not at the zerodl function that noticed the problem."""

import sys
import warnings


def warn_at_caller(message, category=UserWarning):
    """warnings.warn(message), attributed to the first frame outside the zerodl package.

    A fixed stacklevel is right for one call path only (load_mnist, but not load_dataset or the
    cache code under them); walking the stack finds the user's line from any of them.
    """
    frame, level = sys._getframe(1), 2  # stacklevel 2: the caller of warn_at_caller
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "zerodl":
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
