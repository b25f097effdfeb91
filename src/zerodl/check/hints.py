"""The usual causes of a wrong piece, each a key (for tests and --json) and a line for the learner.

A check names the hint whose pattern the difference matches (compare.py finds the patterns: a
factor of the batch size, a sign, a transpose, values in another order, ...); a hint is a
likely cause, said as one, never a certainty. Each line is marked with N_(): the report shows
it in the reader's language, --json gives the English as `hint_text`.
"""

from zerodl.i18n import N_

__all__ = ["HINTS", "hint_from_the_line"]

HINTS = {
    "batch_size": N_(
        "off by the batch size: divide by N = x.shape[0] once, in the layer whose loss is an "
        "average (SoftmaxWithLoss.backward returns (y - t) / batch_size), and nowhere else"
    ),
    "transpose": N_("a missing transpose: dx = np.dot(dout, W.T) and dW = np.dot(x.T, dout)"),
    "sign": N_(
        "a sign: the values are right but negated (a gradient step is params -= lr * grad; "
        "sigmoid is 1 / (1 + np.exp(-x)); the loss is -sum(t * log(y)))"
    ),
    "axis": N_(
        "a sum over the wrong axis, or over no axis: a bias gradient sums over the batch, "
        "db = np.sum(dout, axis=0), and softmax sums each row (axis=-1, keepdims=True)"
    ),
    "bias_correction": N_(
        "a bias correction missing: Adam divides m by (1 - beta1**t) and v by "
        "(1 - beta2**t) (the book folds both into lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t))"
    ),
    "mask": N_(
        "a mask not applied, or applied in forward only: backward must zero (or scale) the "
        "same elements forward did, dx = dout * self.mask"
    ),
    "in_place": N_(
        "an input changed in place and read later: make a new array (out = x.copy(); "
        "out[mask] = 0) instead of writing into x"
    ),
    "softmax_max": N_(
        "softmax without subtracting the maximum: np.exp(1000) is inf; use "
        "np.exp(x - np.max(x, axis=-1, keepdims=True)), the maximum of each row"
    ),
    "log_zero": N_(
        "log of zero: np.log(0) is -inf and 0 * -inf is nan; add a small delta, "
        "np.log(y + 1e-7), and pick the correct class's probability rather than multiplying by t"
    ),
    "im2col_order": N_(
        "im2col/col2im axis order: the book's im2col ends with "
        "col.transpose(0, 4, 5, 1, 2, 3).reshape(N*out_h*out_w, -1) and col2im starts with "
        "col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)"
    ),
    "col2im_padding": N_(
        "padding not removed in col2im: return img[:, :, pad:H + pad, pad:W + pad]"
    ),
    "col2im_add": N_("col2im must add overlapping windows, img[...] += col[...], not assign them"),
    "pool_argmax": N_(
        "pooling's argmax taken over the wrong axis: each window is a row of col (N*OH*OW, "
        "pool_h*pool_w), so arg_max = np.argmax(col, axis=1) and out = np.max(col, axis=1)"
    ),
    "labels": N_(
        "label targets: with t holding class numbers, pick y[np.arange(batch_size), t] "
        "(the book converts one-hot rows with t.argmax(axis=1) first)"
    ),
    "restore": N_("numerical_gradient must put x[idx] back to its value after each element"),
    "central_difference": N_(
        "the book's numerical gradient is the central difference "
        "(f(x + h) - f(x - h)) / (2 * h), with h = 1e-4"
    ),
    "step_size": N_(
        "h too small: with h = 1e-50, x + h == x in floating point; the book uses 1e-4"
    ),
    "threshold": N_("step_function is 1 only where x > 0 (0 at x = 0 and below)"),
    "swap": N_("x and y swapped in MulLayer.backward: dx = dout * self.y, dy = dout * self.x"),
    "dropout_scale": N_(
        "Dropout's scale: either keep x * mask in training and x * (1 - ratio) at "
        "test time (the book), or x * mask / (1 - ratio) in training and x at test time, not a mix"
    ),
    "running_stats": N_(
        "running_mean and running_var are updated while training only, "
        "momentum * running + (1 - momentum) * batch value, and used at test time"
    ),
    "update_in_place": N_(
        "update the arrays in place (params[key] -= lr * grads[key]): a layer holds "
        "params['W1'] itself, so params[key] = params[key] - ... leaves the layer's W as it was"
    ),
    "state": N_(
        "the first step agrees but later ones differ: the optimiser's state (v, h, m) must "
        "be created once and carried from one update to the next, as in the book"
    ),
    "eps": N_(
        "a small value beside the square root, np.sqrt(h) + 1e-7: a gradient of 0 then "
        "gives 0 / 1e-7 = 0 instead of 0 / 0 = nan"
    ),
    "accumulate": N_(
        "the results change from one call to the next: something is added to (+=) "
        "or kept from the previous call instead of computed afresh"
    ),
    "factor": N_(
        "the values differ by a constant factor: a coefficient (0.5, 2, lr, a mean "
        "instead of a sum) differs from the book's"
    ),
}


# When the learner's code raises, the line it raised on can name the cause: (piece, words on
# the line, error words) -> hint. Only used for errors, where no values can be compared.
_LINE_HINTS = (
    ("Pooling", ("arg_max",), (), "pool_argmax"),
    ("Pooling", ("argmax",), (), "pool_argmax"),
    ("", ("dot", "@"), ("shapes", "matmul", "aligned", "mismatch"), "transpose"),
    ("", ("transpose",), ("reshape", "size"), "im2col_order"),
)


def hint_from_the_line(piece, line, error):
    """The hint for an error raised on the learner's `line` in `piece`, or None."""
    for name, words, errors, hint in _LINE_HINTS:
        if name and name != piece:
            continue
        if any(word in line for word in words) and (
            not errors or any(e in error.lower() for e in errors)
        ):
            return hint
    return None
