"""History: still a dict of lists (JSON, checkpoints), and it plots and shows itself."""

import json

import numpy as np

import zerodl
from zerodl.checkpoint import load_checkpoint
from zerodl.history import History
from zerodl.networks import MultiLayerNet
from zerodl.trainer import Trainer


def blobs(n, classes=3, dim=8):
    """Three well-apart Gaussian blobs (as tests/trainer/helpers.py makes them)."""
    rng = np.random.default_rng(0)
    centers = rng.normal(0.0, 3.0, (classes, dim))
    t = rng.integers(0, classes, n)
    return (centers[t] + rng.normal(0.0, 1.0, (n, dim))).astype(np.float32), t


def small_net():
    return MultiLayerNet(8, [16, 16], 3, seed=0)


def trained(epochs=2, validation=True):
    x, t = blobs(96)
    trainer = Trainer(small_net(), "sgd", batch_size=32, seed=0, verbose=False)
    data = (x[:32], t[:32]) if validation else None
    return trainer, trainer.fit(x, t, epochs, validation_data=data)


def test_the_trainer_returns_a_history_that_is_still_a_plain_dict_of_lists():
    _, history = trained()
    assert isinstance(history, History) and isinstance(history, dict)
    assert json.loads(json.dumps(history)) == dict(history)
    assert history.epochs == 2 and len(history["step_loss"]) == 6


def test_repr_names_the_epochs_steps_and_the_last_figures():
    _, history = trained()
    text = repr(history)
    assert text.startswith("History(2 epochs, 6 steps; last epoch: loss ")
    assert f"val_acc {history['val_acc'][-1]:.4f}" in text


def test_the_html_table_has_one_row_per_epoch_and_leaves_out_what_was_not_measured():
    _, history = trained(epochs=3, validation=False)
    html = history._repr_html_()
    assert html.count("<tr>") == 1 + 3  # the header and one row per epoch
    assert "<th" in html and ">loss<" in html and ">val_acc<" not in html
    assert f">{history['loss'][2]:.4f}<" in html


def test_plot_returns_a_figure_with_loss_and_accuracy_or_writes_a_png(tmp_path):
    _, history = trained()
    figure = history.plot()
    assert [ax.get_xlabel() for ax in figure.axes] == ["step", "epoch"]
    path = history.plot(tmp_path / "h.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_a_checkpoint_gives_back_the_history_it_saved(tmp_path):
    trainer, history = trained()
    path = zerodl.save(trainer.network, tmp_path / "c.npz", trainer=trainer)
    ckpt = load_checkpoint(path)
    assert isinstance(ckpt.history, History) and ckpt.history == history
    assert repr(ckpt).startswith(f"Checkpoint({str(path)!r}: MultiLayerNet, ")
    assert "epochs trained 2" in repr(ckpt) and "optimiser SGD" in repr(ckpt)
    html = ckpt._repr_html_()
    assert "MultiLayerNet" in html and "History: 2 epochs" in html
    assert len(repr(ckpt)) < 200  # not the whole metadata and every array, as a dataclass shows


def test_a_checkpoint_without_training_has_no_history(tmp_path):
    path = zerodl.save(small_net(), tmp_path / "n.npz")
    ckpt = load_checkpoint(path)
    assert ckpt.history is None and "History" not in ckpt._repr_html_()
    assert "epochs trained -" in repr(ckpt)
