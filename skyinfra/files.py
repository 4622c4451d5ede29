"""Atomic file writes: the one place skyinfra writes a file, so none is ever half-written.

A neutral bottom module (standard library only): the compiler, lock files, the starter, the
deployment log and the graph picture all write through it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary sibling and a rename: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # mkstemp makes the file private; the result gets a plain new file's mode.
        os.chmod(temp, 0o666 & ~umask())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def write_file(path: Path, content: str) -> Path:
    """Write text `content` to `path` atomically; untouched (mtime kept) if unchanged."""
    if path.is_file() and path.read_text(encoding="utf-8") == content:
        return path
    return write_atomically(path, content.encode("utf-8"))


def umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
