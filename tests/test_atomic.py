"""atomic_write: the target holds the old content or the new, never half of it."""

import os

import pytest

from zerodl.atomic import atomic_write


def test_writes_and_leaves_no_temporary_file(tmp_path):
    with atomic_write(tmp_path / "f.bin") as f:
        f.write(b"new")
    assert (tmp_path / "f.bin").read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_a_failure_keeps_the_old_file_and_cleans_up(tmp_path):
    (tmp_path / "f.bin").write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk full"), atomic_write(tmp_path / "f.bin") as f:
        f.write(b"half of the ne")
        raise RuntimeError("disk full")
    assert (tmp_path / "f.bin").read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_nothing_appears_before_the_write_completes(tmp_path):
    with atomic_write(tmp_path / "f.bin") as f:
        f.write(b"data")
        assert not (tmp_path / "f.bin").exists()
    assert (tmp_path / "f.bin").exists()


def test_permissions_follow_the_umask_like_open(tmp_path):
    with atomic_write(tmp_path / "atomic") as f:
        f.write(b"x")
    with open(tmp_path / "plain", "wb") as f:
        f.write(b"x")
    mode = os.stat(tmp_path / "atomic").st_mode & 0o777
    assert mode == os.stat(tmp_path / "plain").st_mode & 0o777


def test_the_data_is_synced_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: events.append("fsync") or real_fsync(fd))
    monkeypatch.setattr(os, "replace", lambda a, b: events.append("replace") or real_replace(a, b))
    with atomic_write(tmp_path / "f.bin") as f:
        f.write(b"new")
    assert events == ["fsync", "replace", "fsync"]
