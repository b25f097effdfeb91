"""The book's ch06/weight_init_compare.py: std 0.01, Xavier and He on a 5-layer ReLU network.

python examples/weight_init_compare.py            # writes weight_init_compare.png
"""

from zerodl.datasets import load_mnist
from zerodl.experiments import compare_initializations, final_loss_table

(x_train, t_train), _ = load_mnist(normalize=True)
losses = compare_initializations(
    x_train,
    t_train,
    iterations=2000,
    batch_size=128,
    path="weight_init_compare.png",
    print_fn=print,
)
print(final_loss_table(losses))
