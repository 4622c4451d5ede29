"""Prove a refactor changes nothing users can see: snapshot every example's offline preview.

    python tools/preview_snapshot.py --write DIR   # preview --json --show-secrets of each example
    python tools/preview_snapshot.py --check DIR   # exit 1 with a diff if any preview differs

Component tokens and logical names are in every URN, and the input properties are what
the clouds receive; a restructuring of the package must leave both byte-identical. The
previews run offline in a copy of `examples/` (the repository's lock files are never
rewritten), each with its own empty deploy directory.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 600  # seconds per example


def previews() -> dict[str, str]:
    """Example name -> what `skyinfra preview --json --show-secrets` prints for it."""
    found = {}
    with tempfile.TemporaryDirectory() as tmp:
        examples = Path(tmp) / "examples"
        shutil.copytree(ROOT / "examples", examples)
        for spec in sorted(examples.glob("*.yaml")):
            command = [sys.executable, "-m", "skyinfra.cli", "preview", str(spec)]
            command += ["--json", "--show-secrets", "-o", str(Path(tmp) / "out" / spec.stem)]
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT, check=False, cwd=tmp
            )
            if done.returncode != 0:
                raise SystemExit(f"{spec.name}: preview failed\n{done.stderr}")
            found[spec.stem] = done.stdout.replace(tmp, "<tmp>")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", type=Path, metavar="DIR")
    action.add_argument("--check", type=Path, metavar="DIR")
    args = parser.parse_args()
    now = previews()
    if args.write:
        args.write.mkdir(parents=True, exist_ok=True)
        for name, text in now.items():
            (args.write / f"{name}.json").write_text(text)
        print(f"wrote {len(now)} previews to {args.write}")
        return 0
    differ = 0
    for name, text in now.items():
        before = (args.check / f"{name}.json").read_text()
        if before != text:
            differ += 1
            diff = difflib.unified_diff(before.splitlines(), text.splitlines(), name, name, n=2)
            print("\n".join(list(diff)[:60]))
    print(f"{len(now) - differ} of {len(now)} previews identical")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
