"""The book's package `dataset`, as zerodl serves it: dataset.mnist.load_mnist."""
