"""Checks of the book's optimisers (chapter 6): SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam.

The learner's optimiser, built with the book's arguments in the book's order (SGD(0.1),
Adam(0.1, 0.9, 0.999), ...), updates two parameters over five steps with gradients that change
from step to step (one element's gradient is 0, as a dead ReLU's is). Each step must move every
element as the book's rule does (references.OPTIMIZERS, with the accepted variants), update the
arrays in place (a layer holds them), and leave the gradients as they were.
"""

import numpy as np

from zerodl.check import references as ref
from zerodl.check.compare import compare, raised
from zerodl.check.report import FAIL, Finding
from zerodl.check.running import CannotConstruct, LearnersError, call
from zerodl.check.wording import Message
from zerodl.i18n import N_

__all__ = ["CHECKS", "STEPS"]

STEPS = 5


def _steps(rule, args, params, grads_per_step):
    """The parameters after each step of `rule` from `params` (copies)."""
    params = {k: p.copy() for k, p in params.items()}
    state = {k: {} for k in params}
    history = []
    for grads in grads_per_step:
        for key, p in params.items():
            rule(p, grads[key], state[key], *args)
        history.append({k: p.copy() for k, p in params.items()})
    return history


def _check(book_name):
    args, rules, mistakes = ref.OPTIMIZERS[book_name]

    def check(cls):
        rng = np.random.default_rng(0)
        start = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=2)}
        grads_per_step = [  # |g| in [0.5, 1.5): eps (1e-7 or 1e-8) moves a step by < 1e-6
            {
                k: rng.choice((-1.0, 1.0), size=p.shape) * rng.uniform(0.5, 1.5, size=p.shape)
                for k, p in start.items()
            }
            for _ in range(STEPS)
        ]
        for grads in grads_per_step:
            grads["b1"][0] = 0.0  # a gradient that is exactly 0 (a unit that never fires)
        built = f"{book_name}({', '.join(map(str, args))})"
        label = Message(
            N_("params W1 (3, 2), b1 (2,), {steps} steps, {built}"), steps=STEPS, built=built
        )
        answers = [_steps(rule, args, start, grads_per_step) for rule in rules]
        suspects = {
            hint: _steps(rule, args, start, grads_per_step) for hint, rule in mistakes.items()
        }
        params = {k: p.copy() for k, p in start.items()}
        arrays = dict(params)
        try:
            optimizer = call(cls, *args)
        except LearnersError as err:
            CannotConstruct.raise_for(err)
            return [raised(built, err, book_name, label)]
        previous = {k: p.copy() for k, p in start.items()}
        for step, grads in enumerate(grads_per_step):
            given = {k: g.copy() for k, g in grads.items()}
            try:
                call(optimizer.update, params, given)
            except LearnersError as err:
                what = Message(N_("update (step {step})"), step=step + 1)
                return [raised(what, err, book_name, label)]
            for key in start:
                if params[key] is not arrays[key]:
                    return [
                        Finding(
                            FAIL,
                            Message(
                                N_("update replaced params[{key!r}] with a new array"), key=key
                            ),
                            [],
                            "update_in_place",
                            label,
                        )
                    ]
                if not np.array_equal(given[key], grads[key]):
                    what = Message(N_("update changed grads[{key!r}]"), key=key)
                    return [Finding(FAIL, what, [], "in_place", label)]
            candidates = [a[step] for a in answers]
            if any(
                all(np.allclose(params[k], c[k], rtol=1e-5, atol=1e-9) for k in start)
                for c in candidates
            ):
                previous = {k: p.copy() for k, p in params.items()}
                continue
            for key in start:  # the first array that differs; compared as steps taken
                want = candidates[0][key] - previous[key]
                if np.allclose(params[key] - previous[key], want, rtol=1e-5, atol=1e-9):
                    continue
                found = compare(
                    Message(
                        N_("step {step}: the change of params[{key!r}]"), step=step + 1, key=key
                    ),
                    params[key] - previous[key],
                    want,
                    suspects=[(hint, s[step][key] - previous[key]) for hint, s in suspects.items()],
                    nonfinite_hint="eps",
                    rtol=1e-5,
                    input=label,
                )
                if found is None:
                    continue
                if (
                    step > 0
                    and found.hint in (None, "factor", "eps")
                    and np.all(np.isfinite(params[key]))
                ):
                    found.hint = "state"  # the first step agreed
                return [found]
            previous = {k: p.copy() for k, p in params.items()}
        return []

    return check


CHECKS = {name: _check(name) for name in ref.OPTIMIZERS}
