"""The ``zerodl`` command: a thin shell over the Python API.

    zerodl train                          SimpleConvNet on MNIST with Adam, 5 epochs, into runs/
    zerodl evaluate runs/latest           test accuracy, per-class accuracy, confusion matrix
    zerodl predict runs/latest seven.png  the 3 most likely digits of any PNG or JPEG
    zerodl gradcheck                      backprop against numerical gradients, every model
    zerodl compare optimizers             the chapter 6 experiments as PNGs and tables
    zerodl visualize runs/latest          the first layer's filters as a PNG grid
    zerodl summary --model deep_cnn       the layer table with shapes and parameter counts

One module per command (train.py, evaluate.py, ...), each with `add_arguments(parser)` and
`run(args)`; dispatch.py builds the parser from them; common.py holds what they share.

Results go to stdout, progress and notes to stderr. Every error is one line on stderr that says
what to do, with a non-zero exit code (2 for a wrong command line, 1 for anything else, 130
after Ctrl-C); set ZERODL_DEBUG=1 to see the traceback of an unexpected error. The library
checks the values; its complaint about one that an option gave (a zerodl.errors.ArgumentError)
names the option, found by the error's `argument`, never by reading its words. Options are taken
only as written; a mistyped one is answered with the nearest.

``main(argv)`` returns the exit code instead of exiting, so that tests can call it directly.
"""

from zerodl.cli.dispatch import main

__all__ = ["main"]
