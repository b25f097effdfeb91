"""The book's Trainer: its signature, its defaults and its lists, on top of zerodl's Trainer."""

import io

import numpy as np
import pytest

from zerodl.networks import TwoLayerNet
from zerodl.optimizers import SGD
from zerodl.trainer import BookTrainer, Trainer

from .helpers import blobs, small_net

# --- the book's signature ---------------------------------------------------------------------


def test_the_books_signature_and_attributes():
    x, t = blobs(200)
    xt, tt = blobs(60, seed=1)
    out = io.StringIO()
    network = TwoLayerNet(input_size=8, hidden_size=20, output_size=3, seed=0)
    trainer = BookTrainer(
        network,
        x,
        t,
        xt,
        tt,
        epochs=3,
        mini_batch_size=20,
        optimizer="Adam",
        optimizer_param={"lr": 0.1},
        evaluate_sample_num_per_epoch=50,
        seed=0,
        print_fn=lambda *a: print(*a, file=out),
    )
    test_acc = trainer.train()
    assert len(trainer.train_loss_list) == 3 * 10
    assert len(trainer.train_acc_list) == len(trainer.test_acc_list) == 3
    assert test_acc == np.mean(network.predict(xt).argmax(axis=1) == tt) > 0.9
    assert out.getvalue().splitlines()[-2:] == [
        "=============== Final Test Accuracy ===============",
        f"test acc:{test_acc}",
    ]


def test_the_books_default_optimizer_is_sgd_with_lr_001():
    x, t = blobs(20)
    trainer = BookTrainer(small_net(), x, t, x, t, epochs=1, verbose=False)
    assert type(trainer.optimizer) is SGD and trainer.optimizer.lr == 0.01
    assert trainer.batch_size == 100


def test_the_books_call_on_zerodls_trainer_names_the_book_trainer():
    x, t = blobs(100)
    with pytest.raises(TypeError, match=r"the book's call: use zerodl.trainer.BookTrainer"):
        Trainer(small_net(), x, t, x[:30], t[:30], epochs=2, mini_batch_size=25)
    with pytest.raises(TypeError, match="BookTrainer"):
        Trainer(small_net(), x_train=x, t_train=t)


def test_the_book_trainer_trains_as_zerodls_trainer_with_its_settings():
    x, t = blobs(100)
    network = small_net()
    settings = dict(optimizer="Adam", optimizer_param={"lr": 0.01}, verbose=False, seed=4)
    book = BookTrainer(network, x, t, x[:30], t[:30], epochs=2, mini_batch_size=25, **settings)
    book.train()
    twin = small_net()
    trainer = Trainer(twin, "adam", optimizer_param={"lr": 0.01}, batch_size=25, seed=4,
                      verbose=False)  # fmt: skip
    trainer.fit(x, t, 2, validation_data=(x[:30], t[:30]))
    assert len(book.train_loss_list) == 2 * 4
    assert book.train_loss_list == trainer.train_loss_list
    for key in network.params:
        np.testing.assert_array_equal(network.params[key], twin.params[key])


def test_zerodl_signature_is_not_taken_for_the_books():
    # an optimiser, by name or as an object, in the second place: zerodl's own Trainer
    x, t = blobs(64)
    for optimizer in ("sgd", SGD(lr=0.1)):
        trainer = Trainer(small_net(), optimizer, batch_size=32, verbose=False)
        assert trainer.fit(x, t, 1)["epoch"] == [1]
        assert not hasattr(trainer, "train")


def test_the_book_trainer_has_one_home_and_nothing_is_patched_at_import():
    from zerodl.book.common.trainer import Trainer as CommonTrainer

    assert CommonTrainer is BookTrainer
    assert not hasattr(Trainer, "book_trainer")


def test_without_a_seed_the_order_follows_np_random_seed_as_in_the_book():
    x, t = blobs(100)

    def losses():
        np.random.seed(3)  # noqa: NPY002 (the book seeds the global generator)
        trainer = BookTrainer(small_net(), x, t, x, t, epochs=1, mini_batch_size=10, verbose=False)
        trainer.train()
        return trainer.train_loss_list

    assert losses() == losses()


def test_a_learners_network_with_labels_as_a_column_trains():
    from zerodl.trainer.book import LearnersNetwork

    network = small_net()
    x, t = blobs(20)
    learners = LearnersNetwork(network)
    assert learners.loss(x, t.reshape(-1, 1)) == pytest.approx(learners.loss(x, t))
