"""The API of `zerodl serve`, described in OpenAPI 3.1 (served at /openapi.json).

The document is data, zerodl/serve/openapi.json, written by hand; its strings may name the
server's limits as {max_body} and {max_side} and zerodl's version as {version}, filled in here.
tests/serve/test_app.py checks it against the application's routes and their methods, so that
a route added or removed without its description fails there.
"""

import json
from importlib import resources

from zerodl._version import __version__

__all__ = ["openapi"]


def openapi(*, max_body, max_side):
    """The OpenAPI document of the server, with its limits written in."""
    text = (resources.files("zerodl.serve") / "openapi.json").read_text(encoding="utf-8")
    values = {"{max_body}": str(max_body), "{max_side}": str(max_side), "{version}": __version__}
    return _fill(json.loads(text), values)


def _fill(value, values):
    if isinstance(value, dict):
        return {key: _fill(v, values) for key, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    if isinstance(value, str):
        for name, text in values.items():
            value = value.replace(name, text)
    return value
