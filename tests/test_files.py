"""Atomic writes: replaced whole or not at all, a plain file's mode, unchanged files untouched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skyinfra.files import umask, write_atomically, write_file


def test_write_atomically_replaces_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "topology.dot"
    write_atomically(target, b"one")
    write_atomically(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["topology.dot"]
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask()


def test_a_failed_write_keeps_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "sky.lock"
    target.write_text("old")

    def refuse(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_file(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["sky.lock"]


def test_write_file_leaves_an_unchanged_file_alone(tmp_path: Path) -> None:
    target = write_file(tmp_path / "sky.lock", "same\n")
    os.utime(target, (1, 1))
    write_file(target, "same\n")
    assert target.stat().st_mtime == 1
    write_file(target, "other\n")
    assert target.read_text() == "other\n"
