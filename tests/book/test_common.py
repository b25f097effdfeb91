"""The served modules: the book's signatures and attributes, on zerodl's code, checked against
hand computations and numerical gradients (synthetic data; the real-MNIST programs are in
test_programs.py)."""

import numpy as np
import pytest

from mnist_fakes import no_local_data, write_fake_dataset
from zerodl.book.common import functions, gradient, layers, optimizer, util
from zerodl.book.common.multi_layer_net import MultiLayerNet
from zerodl.book.common.multi_layer_net_extend import MultiLayerNetExtend
from zerodl.book.common.trainer import Trainer
from zerodl.book.dataset import mnist


def random(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def check_layer_gradients(layer, x, params, grads):
    """backward's dx and parameter gradients against central differences of sum(y * R)."""
    R = random(*layer.forward(x).shape, seed=9)
    dx = layer.backward(R.copy())

    def f(_):
        return float(np.sum(layer.forward(x) * R))

    assert np.allclose(dx, gradient.numerical_gradient(f, x), atol=1e-6)
    for name, p in params.items():
        assert np.allclose(
            getattr(layer, grads[name]), gradient.numerical_gradient(f, p), atol=1e-6
        )


# --- layers -----------------------------------------------------------------------------------


def test_affine_holds_the_callers_arrays_so_an_optimiser_changes_it():
    params = {"W": random(4, 3), "b": np.zeros(3)}
    affine = layers.Affine(params["W"], params["b"])
    assert affine.W is params["W"] and affine.b is params["b"]
    x = random(5, 4, seed=1).astype(np.float32)
    y = affine.forward(x)
    assert y.dtype == np.float64  # the learner's float64 weights decide, as with np.dot
    affine.backward(np.ones_like(y))
    optimizer.SGD(lr=0.5).update(params, {"W": affine.dW, "b": affine.db})
    np.testing.assert_allclose(affine.forward(x), x.astype(np.float64) @ params["W"] + params["b"])


def test_backward_gives_new_gradient_arrays_each_time():
    affine = layers.Affine(random(4, 3), np.zeros(3))
    affine.forward(random(2, 4))
    affine.backward(np.ones((2, 3)))
    first = {"W": affine.dW, "b": affine.db}
    kept = first["W"].copy()
    affine.forward(random(2, 4, seed=5))
    affine.backward(np.ones((2, 3)))
    assert affine.dW is not first["W"] and np.array_equal(first["W"], kept)


def test_affine_and_convolution_gradients_are_the_numerical_ones():
    W, b = random(6, 3), random(3, seed=2)
    check_layer_gradients(
        layers.Affine(W, b), random(2, 6, seed=3), {"W": W, "b": b}, {"W": "dW", "b": "db"}
    )
    W, b = random(2, 3, 3, 3, seed=4), random(2, seed=5)
    for stride, pad in ((1, 1), (2, 0)):  # the fast kernel and the book's method
        conv = layers.Convolution(W, b, stride, pad)
        check_layer_gradients(
            conv, random(2, 3, 5, 5, seed=6), {"W": W, "b": b}, {"W": "dW", "b": "db"}
        )


def test_convolution_computes_the_sum_written_out():
    W, b = random(2, 1, 2, 2), random(2, seed=1)
    x = random(1, 1, 4, 4, seed=2)
    out = layers.Convolution(W, b, stride=2, pad=0).forward(x)
    expected = np.zeros((1, 2, 2, 2))
    for f in range(2):
        for i in range(2):
            for j in range(2):
                patch = x[0, 0, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
                expected[0, f, i, j] = np.sum(patch * W[f, 0]) + b[f]
    np.testing.assert_allclose(out, expected)


def test_convolution_of_float32_images_with_float64_filters_gives_float64():
    conv = layers.Convolution(random(3, 1, 3, 3), np.zeros(3))
    x = random(2, 1, 6, 6, seed=1).astype(np.float32)
    out = conv.forward(x)
    assert out.dtype == np.float64 and conv.kernel is not None  # zerodl's fast kernel ran
    reference = layers.Convolution(conv.W, conv.b, 2, 0)  # stride 2: the book's method
    np.testing.assert_allclose(out[:, :, ::2, ::2], reference.forward(x))


def test_pooling_takes_the_books_default_stride_of_one():
    x = random(1, 2, 4, 4)
    out = layers.Pooling(2, 2).forward(x)
    assert out.shape == (1, 2, 3, 3)
    assert out[0, 1, 2, 0] == x[0, 1, 2:4, 0:2].max()


def test_batch_normalization_shares_gamma_and_beta_and_checks_its_gradients():
    gamma, beta = 1 + random(4), random(4, seed=1)
    bn = layers.BatchNormalization(gamma, beta)
    x = random(5, 4, seed=2)
    y = bn.forward(x)
    expected = gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + bn.eps) + beta
    np.testing.assert_allclose(y, expected)
    assert bn.gamma is gamma and bn.beta is beta
    check_layer_gradients(
        bn, x, {"gamma": gamma, "beta": beta}, {"gamma": "dgamma", "beta": "dbeta"}
    )
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(0) * 0 + bn.buffers["running_mean"])


def test_batch_normalization_of_images_per_element_or_per_channel():
    x = random(6, 2, 3, 3)
    per_element = layers.BatchNormalization(np.ones(18), np.zeros(18)).forward(x)
    flat = x.reshape(6, 18)
    np.testing.assert_allclose(
        per_element.reshape(6, 18), (flat - flat.mean(0)) / np.sqrt(flat.var(0) + 1e-5)
    )
    per_channel = layers.BatchNormalization(np.ones(2), np.zeros(2)).forward(x)
    mean, var = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(per_channel, (x - mean) / np.sqrt(var + 1e-5))
    gamma, beta = 1 + random(18, seed=3), random(18, seed=4)
    check_layer_gradients(
        layers.BatchNormalization(gamma, beta),
        x,
        {"gamma": gamma, "beta": beta},
        {"gamma": "dgamma", "beta": "dbeta"},
    )


def test_dropout_follows_np_random_seed_and_is_the_identity_at_test_time():
    x = np.ones((4, 50))
    masks = []
    for _ in range(2):
        np.random.seed(0)  # noqa: NPY002 (what a book script does)
        masks.append(layers.Dropout(0.5).forward(x) != 0)
    assert np.array_equal(*masks) and 0 < masks[0].mean() < 1
    assert layers.Dropout(0.5).forward(x, train_flg=False) is x


def test_softmax_with_loss_keeps_the_books_attributes():
    last = layers.SoftmaxWithLoss()
    x = random(3, 4)
    loss = last.forward(x, np.array([[1], [0], [3]]))  # class numbers as a column
    y = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    assert np.isclose(loss, -np.log(y[[0, 1, 2], [1, 0, 3]]).mean()) and loss == last.loss
    np.testing.assert_allclose(last.y, y)
    dx = last.backward(1)
    np.testing.assert_allclose(dx, (y - np.eye(4)[[1, 0, 3]]) / 3)


def test_sigmoid_keeps_out():
    sigmoid = layers.Sigmoid()
    y = sigmoid.forward(np.array([0.0, 2.0]))
    assert sigmoid.out is y and np.isclose(y[1], 1 / (1 + np.exp(-2)))


# --- functions, gradient, optimizer, util -------------------------------------------------------


def test_functions_as_the_book_defines_them():
    x = np.array([-1.0, 0.0, 2.0])
    assert functions.step_function(x).tolist() == [0, 0, 1]
    assert functions.relu(x).tolist() == [0, 0, 2] and functions.relu_grad(x).tolist() == [0, 0, 1]
    assert functions.identity_function(x) is x
    assert functions.mean_squared_error(np.array([1.0, 2.0]), np.array([0.0, 0.0])) == 2.5
    numerical = gradient.numerical_gradient(lambda v: np.sum(functions.sigmoid(v)), x.copy())
    np.testing.assert_allclose(functions.sigmoid_grad(x), numerical, atol=1e-8)
    np.testing.assert_allclose(functions.softmax(np.array([0.0, np.log(3)])), [0.25, 0.75])
    assert np.isclose(
        functions.cross_entropy_error(np.array([0.25, 0.75]), 1), -np.log(0.75 + 1e-7)
    )
    assert np.isclose(
        functions.softmax_loss(np.array([[0.0, np.log(3)]]), np.array([1])), -np.log(0.75 + 1e-7)
    )


def test_numerical_gradient_in_its_two_forms():
    X = np.array([[3.0, 4.0], [0.0, -2.0]])
    grad = gradient.numerical_gradient_2d(lambda x: np.sum(x**2), X)
    np.testing.assert_allclose(grad, 2 * X, atol=1e-6)  # one gradient per row
    np.testing.assert_allclose(
        gradient.numerical_gradient(lambda x: np.sum(x**2), X), 2 * X, atol=1e-6
    )
    with pytest.raises(TypeError, match=r"np\.array\(\[3\.0, 4\.0\]\)"):
        gradient.numerical_gradient(lambda x: np.sum(x**2), np.array([3, 4]))


def test_optimisers_update_numbers_and_leave_earlier_values_alone():
    params, history = {"x": -7.0}, []
    momentum = optimizer.Momentum(lr=0.1, momentum=0.9)
    for _ in range(2):
        history.append(params["x"])
        momentum.update(params, {"x": params["x"] / 10.0})
    v1 = -0.1 * -0.7  # v = momentum * v - lr * g, by hand
    v2 = 0.9 * v1 - 0.1 * ((-7.0 + v1) / 10.0)
    assert history == [-7.0, -7.0 + v1] and np.isclose(params["x"], -7.0 + v1 + v2)
    assert isinstance(params["x"], float)


def test_smooth_curve_is_a_kaiser_weighted_average():
    x = random(40)
    smooth = util.smooth_curve(x)
    w = np.kaiser(11, 2)
    assert len(smooth) == 40 and np.isclose(smooth[20], np.dot(w / w.sum(), x[15:26]))
    np.testing.assert_allclose(util.smooth_curve(np.full(30, 3.0)), 3.0)


def test_shuffle_dataset_keeps_the_pairs_and_follows_np_random_seed():
    x, t = np.arange(20).reshape(10, 2), np.arange(10)
    np.random.seed(0)  # noqa: NPY002 (what a book script does)
    xs, ts = util.shuffle_dataset(x, t)
    assert np.array_equal(xs[:, 0] // 2, ts) and not np.array_equal(ts, t)
    np.random.seed(0)  # noqa: NPY002 (what a book script does)
    assert np.array_equal(util.shuffle_dataset(x, t)[1], ts)
    assert util.conv_output_size(28, 5) == 24 and util.col2im is not None


# --- networks, trainer, dataset -------------------------------------------------------------------


def test_multi_layer_net_extend_takes_the_books_keywords():
    np.random.seed(1)  # noqa: NPY002 (what a book script does)
    net = MultiLayerNetExtend(
        8, [6, 6], 3, use_dropout=True, dropout_ration=0.3, use_batchnorm=True
    )
    np.random.seed(1)  # noqa: NPY002 (what a book script does)
    again = MultiLayerNetExtend(
        8, [6, 6], 3, use_dropout=True, dropout_ration=0.3, use_batchnorm=True
    )
    assert [layer.dropout_ratio for layer in net.layers if hasattr(layer, "dropout_ratio")] == [
        0.3,
        0.3,
    ]
    assert net.params["W1"].dtype == np.float64 and {"gamma1", "beta2"} <= set(net.params)
    assert np.array_equal(net.params["W1"], again.params["W1"])  # np.random.seed repeats it
    x, t = random(4, 8), np.array([0, 1, 2, 0])
    first = net.gradient(x, t)
    kept = first["W1"].copy()
    net.gradient(x + 1, t)
    assert np.array_equal(first["W1"], kept)  # new arrays each call, as the book's
    assert net.predict(x).shape == (4, 3) and np.isfinite(net.loss(x, t, train_flg=True))


def test_multi_layer_net_numerical_gradient_matches_backprop():
    net = MultiLayerNet(5, [4], 3, weight_decay_lambda=0.1, seed=0)
    x, t = random(3, 5), np.array([0, 2, 1])
    numerical, backprop = net.numerical_gradient(x, t), net.gradient(x, t)
    for key in backprop:
        np.testing.assert_allclose(backprop[key], numerical[key], atol=1e-7)
    assert net.hidden_layer_num == 1 and net.last_layer is net.layers[-1]


class TinyNet:
    """A learner's own network, as chapter 5 writes one."""

    def __init__(self):
        self.params = {"W1": 0.1 * random(6, 3), "b1": np.zeros(3)}
        self.affine = layers.Affine(self.params["W1"], self.params["b1"])
        self.last_layer = layers.SoftmaxWithLoss()

    def predict(self, x):
        return self.affine.forward(x)

    def loss(self, x, t):
        return self.last_layer.forward(self.predict(x), t)

    def accuracy(self, x, t):
        return float(np.mean(self.predict(x).argmax(axis=1) == t))

    def gradient(self, x, t):
        self.loss(x, t)
        self.affine.backward(self.last_layer.backward(1))
        return {"W1": self.affine.dW, "b1": self.affine.db}


def test_the_trainer_trains_a_learners_own_network_with_the_books_lists(capsys):
    x = random(60, 6)
    t = x[:, :3].argmax(axis=1)  # learnable from the inputs
    network = TinyNet()
    np.random.seed(0)  # noqa: NPY002 (what a book script does)
    trainer = Trainer(
        network,
        x,
        t,
        x[:20],
        t[:20],
        epochs=5,
        mini_batch_size=20,
        optimizer="Adam",
        optimizer_param={"lr": 0.1},
        verbose=True,
    )
    trainer.train()
    assert trainer.network is network and len(trainer.train_loss_list) == 5 * 3
    assert len(trainer.train_acc_list) == len(trainer.test_acc_list) == 5
    assert trainer.test_acc_list[-1] > 0.8 and "Final Test Accuracy" in capsys.readouterr().out
    assert trainer.train_loss_list[0] == pytest.approx(np.log(3), abs=0.3)


def test_load_mnist_reads_zerodls_files(tmp_path, monkeypatch):
    no_local_data(tmp_path, monkeypatch)
    arrays = write_fake_dataset(tmp_path / "data" / "mnist")
    monkeypatch.setenv("ZERODL_DATA", str(tmp_path / "data"))
    (x, t), (x_test, t_test) = mnist.load_mnist(normalize=False, flatten=False, one_hot_label=True)
    assert x.shape == (30, 1, 28, 28) and x.dtype == np.uint8 and x_test.shape == (10, 1, 28, 28)
    assert np.array_equal(t.argmax(axis=1), arrays["t_train"])
    (x, t), _ = mnist.load_mnist()
    assert x.shape == (30, 784) and x.dtype == np.float32 and x.max() <= 1.0
    assert list(tmp_path.rglob("*.pkl")) == []


# --- `from common.X import *` gives what the book's module gives (issue 22) -----------------------
# Written out from the book's repository (oreilly-japan/deep-learning-from-scratch, common/):
# each module's own public names and those it imports itself, which `import *` passes on because
# the book's modules have no __all__. Some of the book's programs rely on them (np).

BOOK_FUNCTIONS = {"np", "identity_function", "step_function", "sigmoid", "sigmoid_grad", "relu",
                  "relu_grad", "softmax", "sum_squared_error", "cross_entropy_error",
                  "softmax_loss"}  # fmt: skip
BOOK_LAYERS = BOOK_FUNCTIONS | {"im2col", "col2im", "Relu", "Sigmoid", "Affine",
                                "SoftmaxWithLoss", "Dropout", "BatchNormalization", "Convolution",
                                "Pooling"}  # fmt: skip
BOOK_OPTIMIZER = {"np", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"}
BOOK_STAR_NAMES = {
    "functions": BOOK_FUNCTIONS,
    "gradient": {"np", "numerical_gradient_2d", "numerical_gradient"},
    "layers": BOOK_LAYERS,
    "optimizer": BOOK_OPTIMIZER,
    "trainer": BOOK_OPTIMIZER | {"sys", "os", "Trainer"},
    "util": {"np", "smooth_curve", "shuffle_dataset", "conv_output_size", "im2col", "col2im"},
    "multi_layer_net": BOOK_LAYERS
    | {"sys", "os", "OrderedDict", "numerical_gradient", "MultiLayerNet"},  # fmt: skip
    "multi_layer_net_extend": BOOK_LAYERS
    | {"sys", "os", "OrderedDict", "numerical_gradient", "MultiLayerNetExtend"},  # fmt: skip
}


@pytest.mark.parametrize("module", sorted(BOOK_STAR_NAMES))
def test_import_star_gives_every_name_the_books_module_gives(module):
    names = {}
    exec(f"from zerodl.book.common.{module} import *", names)
    missing = BOOK_STAR_NAMES[module] - set(names)
    assert not missing, f"common.{module}: {sorted(missing)}"
    assert names["np"] is np


def test_import_star_of_dataset_mnist_gives_the_books_names_but_its_pickle_scheme():
    names = {}
    exec("from zerodl.book.dataset.mnist import *", names)
    book = {"np", "os", "gzip", "load_mnist", "train_num", "test_num", "img_dim", "img_size"}
    assert book <= set(names)
    assert (names["train_num"], names["test_num"], names["img_size"]) == (60000, 10000, 784)
    assert not {"pickle", "save_file", "url_base"} & set(names)


def test_a_chapter_6_program_that_takes_np_from_common_optimizer_runs(tmp_path, capsys):
    """As the book's ch06/optimizer_compare_naive.py: np comes only from the star import."""
    from zerodl.book.runner import run_script

    (tmp_path / "ch06").mkdir()
    script = tmp_path / "ch06" / "compare.py"
    script.write_text(
        "import sys, os\n"
        "sys.path.append(os.pardir)\n"
        "from common.optimizer import *\n"
        "params = {'x': np.array([-7.0]), 'y': np.array([2.0])}\n"
        "optimizer = SGD(lr=0.95)\n"
        "optimizer.update(params, {'x': params['x'] / 10.0, 'y': 2.0 * params['y']})\n"
        "print(round(float(params['x'][0]), 4), round(float(params['y'][0]), 4))\n"
    )
    run_script(script)
    assert capsys.readouterr().out.split() == ["-6.335", "-1.8"]
