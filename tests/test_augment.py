"""zerodl.datasets.augment: a transformed batch of known images is what the transform says, and
the same as an independent per-pixel computation."""

import math

import numpy as np
import pytest

from zerodl.datasets.augment import RandomAffine, affine_transform
from zerodl.networks import MultiLayerNet
from zerodl.trainer import Trainer


def images(n=3, c=2, h=9, w=9, seed=0):
    return np.random.default_rng(seed).random((n, c, h, w)).astype(np.float32)


def transform_by_loops(x, angle, scale, shift):
    """One image, pixel by pixel: read the inverse-mapped point by bilinear interpolation."""
    C, H, W = x.shape
    cy, cx = (H - 1) / 2, (W - 1) / 2
    a = math.radians(angle)
    out = np.zeros_like(x, dtype=np.float64)
    for i in range(H):
        for j in range(W):
            dy, dx = i - cy - shift[0], j - cx - shift[1]
            sx = (math.cos(a) * dx - math.sin(a) * dy) / scale + cx
            sy = (math.sin(a) * dx + math.cos(a) * dy) / scale + cy
            y0, x0 = math.floor(sy), math.floor(sx)
            for yy, xx in ((y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)):
                if 0 <= yy < H and 0 <= xx < W:
                    weight = (1 - abs(sy - yy)) * (1 - abs(sx - xx))
                    out[:, i, j] += weight * x[:, yy, xx]
    return out


def test_a_whole_pixel_shift_moves_the_image_and_fills_with_zeros():
    x = images()
    out = affine_transform(x, np.zeros(3), np.ones(3), np.tile([1.0, 2.0], (3, 1)))
    expected = np.zeros_like(x)
    expected[:, :, 1:, 2:] = x[:, :, :-1, :-2]  # one down, two right
    np.testing.assert_allclose(out, expected, atol=1e-6)
    assert out.dtype == np.float32 and out.shape == x.shape


def test_a_quarter_turn_is_np_rot90():
    x = images()
    out = affine_transform(x, np.full(3, 90.0), np.ones(3), np.zeros((3, 2)))
    np.testing.assert_allclose(out, np.rot90(x, k=1, axes=(2, 3)), atol=1e-5)  # anticlockwise


def test_no_change_is_the_identity():
    x = images()
    np.testing.assert_array_equal(affine_transform(x, [0, 0, 0], [1, 1, 1], np.zeros((3, 2))), x)


@pytest.mark.parametrize("angle, scale, shift", [(13.0, 1.1, (0.4, -1.7)), (-7.5, 0.85, (2, 1))])
def test_any_transform_matches_a_per_pixel_loop(angle, scale, shift):
    x = images(n=2, h=8, w=11)
    out = affine_transform(x, [angle] * 2, [scale] * 2, [shift] * 2)
    for n in range(2):
        np.testing.assert_allclose(out[n], transform_by_loops(x[n], angle, scale, shift), atol=1e-5)


def test_random_affine_is_seeded_flat_or_not_and_keeps_a_digit_in_the_frame():
    x = np.zeros((4, 1, 28, 28), dtype=np.float32)
    x[:, :, 8:20, 12:16] = 1.0  # a bar, like a "1"
    augment = RandomAffine(max_shift=2, max_rotation=10, scale=(0.9, 1.1))
    a = augment(x, np.random.default_rng(5))
    b = augment(x.reshape(4, 784), np.random.default_rng(5))
    assert b.shape == (4, 784)
    np.testing.assert_array_equal(a.reshape(4, 784), b)  # same draws, same images
    assert not np.array_equal(a, x)  # it did move
    ink = a.sum(axis=(1, 2, 3))
    assert np.all(np.abs(ink - x[0].sum()) < 0.25 * x[0].sum())  # scaled at most ~20% in area
    c = augment(x, np.random.default_rng(6))
    assert not np.array_equal(a, c)


def test_bad_settings_and_shapes_are_refused():
    with pytest.raises(ValueError, match="scale"):
        RandomAffine(scale=(1.2, 0.9))
    with pytest.raises(ValueError, match="max_rotation"):
        RandomAffine(max_rotation=-1)
    with pytest.raises(ValueError, match="square images"):
        RandomAffine()(np.zeros((2, 10), dtype=np.float32), np.random.default_rng(0))


def test_the_trainer_augments_each_batch_from_its_own_generator():
    rng = np.random.default_rng(0)
    x, t = rng.random((40, 16)).astype(np.float32), rng.integers(0, 3, 40)
    seen = []

    def augment(x_batch, generator):
        seen.append(generator)
        return x_batch + generator.normal(0, 0.01, x_batch.shape).astype(x_batch.dtype)

    def run():
        network = MultiLayerNet(16, [8], 3, seed=0)
        trainer = Trainer(network, "sgd", batch_size=10, seed=1, verbose=False, augment=augment)
        trainer.fit(x, t, epochs=2)
        return trainer, network

    (trainer, first), (again, second) = run(), run()
    assert len(seen) == 16  # 4 batches, 2 epochs, 2 runs: every batch augmented once
    assert all(g is trainer.rng for g in seen[:8]) and all(g is again.rng for g in seen[8:])
    for key in first.params:  # reproducible from the seed, augmentation included
        np.testing.assert_array_equal(first.params[key], second.params[key])
    with pytest.raises(TypeError, match="augment must be a callable"):
        Trainer(first, augment="yes")


def test_flip_mirrors_about_half_of_the_images_left_to_right_and_nothing_else():
    x = images(n=200, c=1, h=5, w=7)
    still = RandomAffine(max_shift=0, max_rotation=0, scale=(1, 1), flip=True)
    out = still(x, np.random.default_rng(1))
    mirrored = np.array([np.array_equal(o, i[:, :, ::-1]) for o, i in zip(out, x)])
    unchanged = np.array([np.array_equal(o, i) for o, i in zip(out, x)])
    assert (mirrored ^ unchanged).all()  # each image one or the other, exactly
    assert 70 < mirrored.sum() < 130


def test_without_flip_the_random_stream_is_what_it_was_before_flips_existed():
    x = images()
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    RandomAffine()(x, a)
    # the draws of RandomAffine before `flip`: angles, scales, shifts, nothing more
    b.uniform(-10, 10, 3), b.uniform(0.9, 1.1, 3), b.uniform(-2, 2, (3, 2))
    assert a.random() == b.random()


def test_each_dataset_has_the_moves_that_keep_its_images_what_they_are():
    from zerodl.datasets.augment import augmentation_for

    digits, clothes = augmentation_for("mnist"), augmentation_for("fashion-mnist")
    assert not digits.flip and digits.max_rotation > 0  # a mirrored 2 is no digit
    assert clothes.flip and clothes.max_rotation == 0 and clothes.scale == (1.0, 1.0)
    assert RandomAffine(**clothes.get_config()).get_config() == clothes.get_config()
    with pytest.raises(ValueError, match="no augmentation for 'cifar'"):
        augmentation_for("cifar")
