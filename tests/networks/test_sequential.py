"""Sequential: parameter naming, in-place parameters, weight decay, accuracy, summary, config."""

import io

import numpy as np
import pytest

from zerodl.gradient import gradcheck
from zerodl.layers import Affine, BatchNormalization, Dropout, ReLU, Sigmoid, SoftmaxWithLoss
from zerodl.networks import Sequential


def small_net(weight_decay_lambda=0.0, dtype=np.float32):
    rng = np.random.default_rng(0)
    return Sequential(
        [
            Affine(6, 5, seed=rng, dtype=dtype),
            BatchNormalization(5, dtype=dtype),
            ReLU(),
            Dropout(0.3, seed=rng),
            Affine(5, 4, seed=rng, dtype=dtype),
            Sigmoid(),
            Affine(4, 3, seed=rng, dtype=dtype),
            SoftmaxWithLoss(),
        ],
        weight_decay_lambda=weight_decay_lambda,
        input_shape=(6,),
    )


def data(n=5, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 6)), rng.integers(0, 3, n)


def test_parameters_are_named_and_numbered_as_in_the_book():
    net = small_net()
    assert list(net.params) == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "W3", "b3"]
    assert list(net.buffers) == ["running_mean1", "running_var1"]
    assert net.params["W1"] is net.layers[0].params["W"]


def test_writing_params_in_place_changes_the_output():
    net = small_net()
    x, _ = data()
    before = net.predict(x)
    net.params["b3"][...] += 1.0
    np.testing.assert_allclose(net.predict(x), before + 1.0, rtol=1e-5)


@pytest.mark.parametrize("weight_decay_lambda", [0.0, 0.1])
def test_gradient_matches_numerical_gradient_with_dropout_batchnorm_and_decay(weight_decay_lambda):
    x, t = data()
    errors = gradcheck(small_net(weight_decay_lambda), x, t, verbose=False)
    assert set(errors) == {"W1", "b1", "gamma1", "beta1", "W2", "b2", "W3", "b3", "x"}
    assert max(errors.values()) < 1e-6, errors


def test_weight_decay_adds_half_lambda_sum_of_squares_to_the_loss():
    x, t = data()
    plain, decayed = small_net(0.0).astype(np.float64), small_net(0.5).astype(np.float64)
    for layer in plain.layers + decayed.layers:
        if isinstance(layer, Dropout):
            layer.freeze_mask = True
    plain.loss(x, t)
    decayed.layers[3].mask = plain.layers[3].mask
    squares = sum(np.sum(plain.params[k] ** 2) for k in ("W1", "W2", "W3"))
    assert decayed.loss(x, t) == pytest.approx(plain.loss(x, t) + 0.25 * squares, rel=1e-10)


def test_book_numerical_gradient_agrees_with_backprop():
    x, t = data()
    net = small_net().astype(np.float64)
    net.layers[3].dropout_ratio = 0.0  # a network without randomness, as the book checks it
    numeric = net.numerical_gradient(x, t)
    analytic = net.gradient(x, t)
    for name in net.params:
        np.testing.assert_allclose(analytic[name], numeric[name], rtol=1e-4, atol=1e-7)


def test_accuracy_counts_every_sample_including_the_last_partial_batch():
    net = Sequential([Affine(2, 2, seed=0), SoftmaxWithLoss()])
    net.params["W1"][...] = np.eye(2)
    net.params["b1"][...] = 0
    x = np.array([[1.0, 0.0]] * 250)
    t = np.zeros(250, dtype=np.int64)
    t[-7:] = 1  # only the last partial batch holds the mistakes
    assert net.accuracy(x, t, batch_size=100) == pytest.approx(243 / 250)
    assert net.accuracy(x, np.eye(2)[t], batch_size=100) == pytest.approx(243 / 250)


def test_predict_casts_to_the_network_dtype():
    net = small_net()
    x, _ = data()
    assert net.predict(x.astype(np.float64)).dtype == np.float32
    assert net.predict(np.zeros((2, 6), dtype=np.uint8)).dtype == np.float32


def test_summary_lists_shapes_and_parameter_counts(capsys):
    text = small_net().summary()
    assert "(N, 5)" in text and "(N, 3)" in text
    assert f"Total parameters: {6 * 5 + 5 + 10 + 5 * 4 + 4 + 4 * 3 + 3:,}" in text
    assert text in capsys.readouterr().out


def test_config_rebuilds_the_same_architecture():
    net = small_net(0.01)
    rebuilt = Sequential.from_config(net.get_config())
    assert {k: v.shape for k, v in rebuilt.params.items()} == {
        k: v.shape for k, v in net.params.items()
    }
    assert rebuilt.weight_decay_lambda == 0.01


def test_bad_labels_are_rejected_before_any_numpy_traceback():
    net = small_net()
    x, _ = data(4)
    with pytest.raises(ValueError, match="labels must lie in 0..2"):
        net.loss(x, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="got 3 labels for 4 samples"):
        net.gradient(x, np.array([0, 1, 2]))


def test_the_books_save_params_and_load_params_methods(tmp_path):
    net = small_net()
    net.params["b3"][...] = 0.25  # not what a new network holds
    net.buffers["running_mean1"][...] = 1.0
    net.save_params(tmp_path / "params.npz")
    other = small_net()
    other.load_params(tmp_path / "params.npz")
    x, _ = data()
    np.testing.assert_array_equal(other.predict(x), net.predict(x))


def test_from_config_names_an_unknown_layer_and_the_remedy():
    config = small_net().get_config()
    config["layers"][2]["type"] = "Swish"
    with pytest.raises(ValueError, match=r"'Swish'.*custom_objects=\{'Swish': Swish\}"):
        Sequential.from_config(config)
    rebuilt = Sequential.from_config(config, custom_objects={"Swish": ReLU})
    assert type(rebuilt.layers[2]) is ReLU


def test_a_network_shows_in_jupyter_as_its_summary_table():
    net = Sequential([Affine(4, 3, seed=0), ReLU(), Affine(3, 2, seed=0), SoftmaxWithLoss()],
                     input_shape=(4,))  # fmt: skip
    html = net._repr_html_()
    rows, total = net.summary_rows()
    assert rows[0] == ("Affine", "(N, 3)", 15) and total == 15 + 8
    for name, shape, count in rows:
        assert f">{name}<" in html and f">{shape}<" in html and f">{count:,}<" in html
    assert "Sequential: 23 parameters" in html and html.count("<tr>") == 1 + 4
    assert "Total parameters: 23" in net.summary(file=io.StringIO())
