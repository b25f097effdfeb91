"""The book's modules, served by zerodl: run the scripts you typed from the book unchanged.

    zerodl book ch05/train_neuralnet.py          # or: python -m zerodl.book ch05/train_neuralnet.py

For that run only, `import common.layers`, `from common.trainer import Trainer` and
`from dataset.mnist import load_mnist` find the modules of this package: zerodl.book.common and
zerodl.book.dataset, which give the book's names, signatures and attributes (`Affine(W, b)`,
`layer.dW`, `Trainer(network, x_train, ...)`, ...) on top of zerodl's own layers, optimisers and
trainer. Nothing is installed under the names `common` and `dataset`: runner.py puts them into
the running process only (see there), so no other program sees them.

    common/functions.py ...         the book's modules, one per file, as in the book's repository
    dataset/mnist.py                load_mnist(normalize, flatten, one_hot_label) from zerodl's data
    global_rng.py                   the randomness the book draws from np.random, drawn from it here
    runner.py                       run_script: the modules served, the script run, all put back
    export.py                       save_network: a book-style network as a zerodl checkpoint
                                    (for zerodl evaluate/predict/serve; never a pickle file)
"""

from zerodl.book.export import save_network, to_network
from zerodl.book.runner import SERVED, run_script

__all__ = ["SERVED", "run_script", "save_network", "to_network"]
