"""Writing a file all at once or not at all.

A file written in place is, for a moment, half written: a crash, a full disk or a second process
reading at that moment sees a truncated file. Writing to a temporary file in the same folder and
renaming it over the target avoids that, because a rename within one file system is atomic:
readers see the old file or the new one, never a mixture.
"""

import contextlib
import os
import secrets
from pathlib import Path

__all__ = ["atomic_write"]


@contextlib.contextmanager
def atomic_write(path):
    """Open a temporary file beside `path` for binary writing; rename it to `path` on success.

    The data is flushed to disk before the rename, and the rename itself after it. If the
    ``with`` block raises, the temporary file is deleted and `path` is left untouched.

    Example:
        >>> with atomic_write("data.bin") as f:
        ...     f.write(b"all or nothing")
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # 0o666 and the umask: the permissions an ordinary open(path, "wb") would give
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():  # the with block raised (KeyboardInterrupt too): nothing half written
            tmp.unlink()
    _fsync_folder(path.parent)


def _fsync_folder(folder):
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
