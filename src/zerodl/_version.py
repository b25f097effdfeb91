"""zerodl's version, in a module of its own so that any module can import it without a cycle.

The version is also read from here by pyproject.toml ([tool.setuptools.dynamic]).
"""

__version__ = "0.1.0"
