"""What the server computes, without the server: checked input in, a network's answer out.

    predictor = Predictor(network, name="simple_cnn-mnist-20250101", dataset="mnist")
    predictor.predict_pixels([0.0] * 784)       # 28x28 MNIST-like pixels, taken as they are
    predictor.predict_image(png_bytes)          # a PNG or JPEG, prepared as `zerodl predict` does

Both return {"prediction": int, "probabilities": [K floats], "input": [784 floats]} (input: the
28x28 image the network received, row by row), plus "feature_maps" (FN, OH, OW) of the first
convolution when asked for and the network has one.

A network whose parameters hold NaN or infinity, or that answers NaN, is refused when the
Predictor is made (a ValueError), so that a server never starts to answer 500 to everyone.

Nothing here trusts its input. Pixels must be 784 finite numbers in [0, 1]. An image must be a
PNG or JPEG of at most MAX_SIDE x MAX_SIDE pixels, and its size is read from its header before
anything is decompressed, so that a small file that unpacks to gigabytes (a decompression bomb)
is refused at once. Every refusal is an InputError with an HTTP status and a short message that
names no file and holds no traceback.

The network is used by one request at a time: its layers keep what backward would need on
themselves during forward, so two threads running it at once would read each other's arrays.
"""

import io
import threading
import warnings

import numpy as np
from PIL import Image, ImageOps

from zerodl.images import (
    ImageError,
    class_names,
    preprocess_digit,
    preprocessing_style,
    to_network_input,
)
from zerodl.layers import Convolution

__all__ = ["MAX_SIDE", "InputError", "Predictor", "check_pixels", "decode_image"]

SIZE = 28
MAX_SIDE = 1000  # an uploaded image may be at most 1000x1000 pixels once decoded
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


class InputError(ValueError):
    """Input the server refuses: `status` is the HTTP status (400 or 415), the message short."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def check_pixels(pixels):
    """784 finite numbers in [0, 1] (a list, as JSON gives them) -> a (28, 28) float32 image."""
    if not isinstance(pixels, list):
        raise InputError('"pixels" must be a list of 784 numbers')
    if len(pixels) != SIZE * SIZE:
        raise InputError(f'"pixels" must hold {SIZE * SIZE} numbers, got {len(pixels)}')
    # type(), not isinstance: JSON's true and false are bools, which Python counts as ints
    if not all(type(v) in (int, float) for v in pixels):
        raise InputError('"pixels" must hold numbers only')
    try:  # float64 first: 1e300 must not pass as inf in float32
        x = np.array(pixels, dtype=np.float64)
    except OverflowError:  # an integer written out with 400 digits: no float holds it
        raise InputError('"pixels" must be finite numbers') from None
    if not np.isfinite(x).all():
        raise InputError('"pixels" must be finite numbers')
    if x.min() < 0.0 or x.max() > 1.0:
        raise InputError('"pixels" must lie in [0, 1]')
    return x.astype(np.float32).reshape(SIZE, SIZE)  # (28, 28)


def decode_image(data):
    """The bytes of a PNG or JPEG -> an upright PIL image, its size checked before decoding.

    Image.open reads only the header; the pixels are decompressed by `load`, which happens only
    once the width and height are known to be at most MAX_SIDE. Pillow's own bomb warning is
    made an error here, in this call only (Image.MAX_IMAGE_PIXELS is left as it is).
    """
    kind = next((k for sig, k in SIGNATURES.items() if data.startswith(sig)), None)
    if kind is None:
        raise InputError("the image must be a PNG or a JPEG", status=415)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
        width, height = image.size
        if width > MAX_SIDE or height > MAX_SIDE:
            raise InputError(
                f"the image is {width}x{height} pixels; at most {MAX_SIDE}x{MAX_SIDE} are read"
            )
        image.load()  # the only place the pixels are decompressed
        return ImageOps.exif_transpose(image)  # upright, as `zerodl predict` reads a photo
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(f"the image is larger than {MAX_SIDE}x{MAX_SIDE} pixels") from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise InputError(f"not a readable {kind} image") from None


class Predictor:
    """A network that answers one 28x28 image at a time, with what the page shows of it.

    Args:
        network: a zerodl network taking (N, 784) or (N, 1, 28, 28).
        name: what to call the model (a run folder's or a pretrained model's name).
        dataset: "mnist" or "fashion-mnist": the class names and the preprocessing style.
    """

    def __init__(self, network, *, name, dataset="mnist"):
        shape = tuple(network.input_shape or (SIZE * SIZE,))
        if shape not in ((SIZE * SIZE,), (1, SIZE, SIZE)):
            raise ValueError(f"the network takes inputs of shape {shape}, not 28x28 images")
        self.network = network
        self.name = str(name)
        self.dataset = str(dataset)
        self.style = preprocessing_style(self.dataset)
        self._first_conv = next(
            (layer for layer in network.layers if isinstance(layer, Convolution)), None
        )
        self._lock = threading.Lock()
        broken = [k for k, p in network.params.items() if not np.isfinite(p).all()]
        if broken:  # it would answer NaN to every request: refuse it now, not one 500 each
            raise ValueError(
                f"the network's parameters {', '.join(broken)} hold NaN or infinity: it cannot "
                "answer (was its training diverging when it was saved?)"
            )
        first = self._run(np.zeros((SIZE, SIZE), dtype=np.float32), True)  # once, to learn K
        if not np.isfinite(first["probabilities"]).all():
            raise ValueError("the network answers NaN for a blank image: it cannot be served")
        self.classes = class_names(self.dataset, len(first["probabilities"]))
        maps = first["feature_maps"]
        self.feature_map_shape = None if maps is None else list(np.shape(maps))

    def describe(self):
        """What GET /api/model answers."""
        return {
            "name": self.name,
            "network": type(self.network).__name__,
            "dataset": self.dataset,
            "classes": self.classes,
            "input_shape": list(self.network.input_shape or (SIZE * SIZE,)),
            "parameters": int(sum(p.size for p in self.network.params.values())),
            "preprocessing": self.style,
            "feature_maps": self.feature_map_shape,  # (FN, OH, OW), or None without convolution
        }

    def predict_pixels(self, pixels, feature_maps=False):
        """The answer for 784 pixels in [0, 1] (row by row, white on black), used as they are."""
        return self._run(check_pixels(pixels), feature_maps)

    def predict_image(self, data, feature_maps=False):
        """The answer for a PNG or JPEG, prepared by zerodl.images exactly as `zerodl predict`."""
        image = decode_image(data)
        try:
            x = preprocess_digit(image, style=self.style, name="the image")  # (28, 28)
        except ImageError as err:
            raise InputError(str(err)) from None
        return self._run(x, feature_maps)

    def _run(self, x, feature_maps):
        batch = to_network_input(x, self.network.input_shape)  # (1, 784) or (1, 1, 28, 28)
        with self._lock:
            probs = self.network.predict_proba(batch)[0]  # (K,)
            maps = None
            if feature_maps and self._first_conv is not None:
                h = np.asarray(batch, dtype=self.network.dtype)
                for layer in self.network.layers:  # up to the first convolution
                    h = layer.forward(h, train=False)
                    if layer is self._first_conv:
                        break
                maps = h[0]  # (FN, OH, OW)
        answer = {
            "prediction": int(np.argmax(probs)),
            "probabilities": [float(p) for p in probs],
            "input": [float(v) for v in x.ravel()],
        }
        if feature_maps:
            answer["feature_maps"] = None if maps is None else np.round(maps, 4).tolist()
        return answer
