"""The book's ch06/optimizer_compare_mnist.py: SGD, Momentum, AdaGrad, RMSProp and Adam on MNIST.

python examples/optimizer_compare_mnist.py        # writes optimizer_compare_mnist.png
"""

from zerodl.datasets import load_mnist
from zerodl.experiments import compare_optimizers, final_loss_table

(x_train, t_train), _ = load_mnist(normalize=True)
losses = compare_optimizers(
    x_train,
    t_train,
    iterations=2000,
    batch_size=128,
    path="optimizer_compare_mnist.png",
    print_fn=print,
)
print(final_loss_table(losses))
