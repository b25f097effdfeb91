"""A training history: a dict of plain lists, one entry per epoch, that can show itself.

    history = trainer.fit(x_train, t_train, epochs=10, validation_data=(x_test, t_test))
    history["val_acc"][-1]      # a dict of lists, as before (JSON-ready, saved in checkpoints)
    history.plot()              # loss per step and accuracy per epoch, one Figure
    history                     # in Jupyter: the epoch table

The keys (zerodl.trainer documents them): "epoch", "loss", "acc", "val_loss", "val_acc",
"seconds", "lr" one entry per epoch, and "step_loss" one per step. The trainer makes it; a
checkpoint gives the one it saved (`Checkpoint.history`).
"""

from zerodl._html import html_table
from zerodl.plots import finish, history_figure

__all__ = ["History"]

# The columns of the epoch table: (key, heading, format of a value).
COLUMNS = (
    ("epoch", "epoch", "{}"),
    ("loss", "loss", "{:.4f}"),
    ("acc", "acc", "{:.4f}"),
    ("val_loss", "val_loss", "{:.4f}"),
    ("val_acc", "val_acc", "{:.4f}"),
    ("lr", "lr", "{:.3g}"),
    ("seconds", "seconds", "{:.1f}"),
)


class History(dict):
    """The history of a training run: a dict {key: list}, with `plot`, a table and a repr."""

    @property
    def epochs(self):
        """The number of epochs recorded."""
        return len(self.get("epoch") or [])

    def plot(self, path=None, *, smooth=11, title=None):
        """Loss per step (left) and accuracy per epoch (right): the Figure, which Jupyter shows
        inline, or, given a path, a PNG written there (its Path returned)."""
        return finish(history_figure(self, smooth=smooth, title=title), path)

    def table_rows(self):
        """(header, rows): the epoch table, without the columns that hold nothing (no
        validation data, say); a figure not measured in an epoch reads "-"."""
        columns = [c for c in COLUMNS if any(v is not None for v in self.get(c[0]) or [])]
        rows = []
        for e in range(self.epochs):
            row = []
            for key, _, form in columns:
                values = self.get(key) or []
                value = values[e] if e < len(values) else None
                row.append("-" if value is None else form.format(value))
            rows.append(row)
        return [heading for _, heading, _ in columns], rows

    def _repr_html_(self):
        header, rows = self.table_rows()
        steps = len(self.get("step_loss") or [])
        caption = f"History: {self.epochs} epochs, {steps:,} steps"
        return html_table(header, rows, caption=caption, right=range(len(header)))

    def __repr__(self):
        steps = len(self.get("step_loss") or [])
        text = f"History({self.epochs} epochs, {steps:,} steps"
        if self.epochs:
            last = {k: (self.get(k) or [None])[-1] for k in ("loss", "acc", "val_loss", "val_acc")}
            figures = "  ".join(f"{k} {v:.4f}" for k, v in last.items() if v is not None)
            text += f"; last epoch: {figures}" if figures else ""
        return text + ")"
