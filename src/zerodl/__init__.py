"""zerodl: deep learning from zero in Python and NumPy.

Layers with hand-written forward and backward passes, networks built from them, gradients checked
against numerical differentiation, optimisers, a trainer, MNIST, safe checkpoints and plots.
"""

__version__ = "0.1.0"


def save(network, path, **extra):
    """Save `network` (architecture and parameters) to one .npz file; see zerodl.checkpoint."""
    from zerodl.checkpoint import save as _save

    return _save(network, path, **extra)


def load(path):
    """Rebuild the network saved at `path`; see zerodl.checkpoint."""
    from zerodl.checkpoint import load as _load

    return _load(path)


__all__ = ["__version__", "save", "load"]
