"""The book's ch07/train_convnet.py, unchanged but for the imports (and a seed).

python examples/train_convnet.py                  # writes train_convnet.png
"""

from zerodl.datasets import load_mnist
from zerodl.networks import SimpleConvNet
from zerodl.plots import plot_accuracy
from zerodl.trainer import Trainer

(x_train, t_train), (x_test, t_test) = load_mnist(flatten=False)

max_epochs = 20
network = SimpleConvNet(
    input_dim=(1, 28, 28),
    conv_param={"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1},
    hidden_size=100,
    output_size=10,
    weight_init_std=0.01,
    seed=0,
)
trainer = Trainer(
    network,
    x_train,
    t_train,
    x_test,
    t_test,
    epochs=max_epochs,
    mini_batch_size=100,
    optimizer="Adam",
    optimizer_param={"lr": 0.001},
    evaluate_sample_num_per_epoch=1000,
    seed=0,
)
trainer.train()
plot_accuracy(trainer.history, "train_convnet.png", ylim=(0, 1.0))
