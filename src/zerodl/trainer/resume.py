"""resume: a Trainer that carries on from a checkpoint exactly where the saved run stopped.

Resuming lives with training: it needs the Trainer, and zerodl.checkpoint (which reads the
file) must not import the trainer. Dependencies go one way: trainer -> checkpoint.
"""

from zerodl.checkpoint import Checkpoint, CheckpointError, load_checkpoint
from zerodl.trainer.loop import Trainer

__all__ = ["resume"]


def resume(path_or_checkpoint, *, custom_objects=None, **trainer_kwargs):
    """A Trainer that carries on from a checkpoint (a path or a loaded Checkpoint).

    The network, the optimiser (type, hyper-parameters, state) and the trainer's state (epoch,
    random generator, history) come from the file; `trainer_kwargs` go to Trainer (batch_size,
    lr_schedule, callbacks, ...) and must match the original run for an identical result.
    The checkpoint is available as ``trainer.checkpoint``.

    Args:
        path_or_checkpoint: a file written by zerodl.checkpoint.save(..., trainer=trainer), or
            what load_checkpoint returned for one.
        custom_objects: your own layer and network classes by name (see zerodl.load).
        **trainer_kwargs: keyword arguments of Trainer.

    Raises:
        CheckpointError: the file is not a checkpoint, or holds no optimiser state.

    Example:
        >>> trainer = resume("runs/mnist/last.npz", batch_size=100)
        >>> trainer.fit(x_train, t_train, epochs=1)   # the epoch after the saved one
    """
    ckpt = path_or_checkpoint
    if not isinstance(ckpt, Checkpoint):
        ckpt = load_checkpoint(path_or_checkpoint, custom_objects)
    optimizer = ckpt.create_optimizer()
    if optimizer is None:
        raise CheckpointError(f"{ckpt.path}: holds no optimiser state, so training cannot resume")
    trainer = Trainer(ckpt.network, optimizer, **trainer_kwargs)
    ckpt.restore(trainer)
    trainer.checkpoint = ckpt
    return trainer
