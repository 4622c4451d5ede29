"""Keep README.md's sample outputs what the commands really print.

    python tools/readme_samples.py --check   # exit 1 and a diff when a sample is stale (a test runs this)
    python tools/readme_samples.py --write   # rerun every sample command and rewrite README.md

A sample is a fenced block whose first line starts with `$ skyinfra `. Each `$ ` line is a
command (a `# comment` after it is not run); the lines up to the next `$ ` line are its
output: stdout and stderr together, trailing spaces stripped, exit code not checked. The
commands run offline in a copy of `examples/` (so lock files in the repository are never
rewritten), with the working directory at that copy's parent, `COLUMNS=80` and no terminal:
what a user sees in an 80-column pipe.

Elision: an output line that is exactly `...` stands for any number of lines (none
included). `--write` keeps as many lines before and after it as the README shows, so a long
output is shortened to its head and tail; at most one `...` per command.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PROMPT = "$ "
SAMPLE_START = "$ skyinfra "
ELISION = "..."
WIDTH = 80
TIMEOUT = 300  # seconds per command; planning the examples takes a few


@dataclass
class Command:
    line: str  # what follows the prompt, as written (comment included)
    output: list[str]  # as the README shows it, elision included


@dataclass
class Sample:
    start: int  # index of the block's first content line in the README's lines
    end: int  # index of its closing fence
    commands: list[Command]


def find_samples(lines: list[str]) -> list[Sample]:
    """Every fenced block of `lines` whose first line is a `$ skyinfra ...` command."""
    samples, fence_at = [], None
    for n, line in enumerate(lines):
        if not line.startswith("```"):
            continue
        if fence_at is None:
            fence_at = n
            continue
        body = lines[fence_at + 1 : n]
        if body and body[0].startswith(SAMPLE_START):
            samples.append(Sample(fence_at + 1, n, _commands(body)))
        fence_at = None
    return samples


def _commands(body: list[str]) -> list[Command]:
    commands: list[Command] = []
    for line in body:
        if line.startswith(PROMPT):
            commands.append(Command(line[len(PROMPT) :], []))
        else:
            commands[-1].output.append(line)
    return commands


def run(command: str, cwd: Path) -> list[str]:
    """What `command` prints (stdout and stderr) in an 80-column pipe, lines right-stripped."""
    argv = shlex.split(command, comments=True)
    if argv[0] != "skyinfra":
        raise SystemExit(f"README sample runs {argv[0]!r}, not skyinfra: {command}")
    unset = ("FORCE_COLOR", "TTY_COMPATIBLE", "SKYINFRA_CATALOG")  # the bundled catalog only
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env |= {"COLUMNS": str(WIDTH), "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    script = "import sys; from skyinfra.cli import main; main(prog_name='skyinfra')"
    done = subprocess.run(
        [sys.executable, "-c", script, *argv[1:]],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return [line.rstrip() for line in done.stdout.rstrip("\n").split("\n")]


def matches(shown: list[str], actual: list[str]) -> bool:
    """Whether the README's `shown` output is `actual`, `...` standing for any lines."""
    if ELISION not in shown:
        return shown == actual
    cut = shown.index(ELISION)
    head, tail = shown[:cut], shown[cut + 1 :]
    return (
        len(actual) >= len(head) + len(tail)
        and actual[: len(head)] == head
        and actual[len(actual) - len(tail) :] == tail
    )


def elided(shown: list[str], actual: list[str]) -> list[str]:
    """`actual`, shortened to as many head and tail lines as `shown` keeps around its `...`."""
    if ELISION not in shown:
        return actual
    cut = shown.index(ELISION)
    head, tail = cut, len(shown) - cut - 1
    if len(actual) <= head + tail:
        return actual
    return [*actual[:head], ELISION, *actual[len(actual) - tail :]]


def refresh(lines: list[str], cwd: Path) -> tuple[list[str], list[str]]:
    """The README's lines with every stale sample rerun, and a diff of what changed."""
    out, diffs, done = list(lines), [], 0
    for sample in find_samples(lines):
        block: list[str] = []
        for command in sample.commands:
            actual = run(command.line, cwd)
            block.append(PROMPT + command.line)
            block += (
                command.output
                if matches(command.output, actual)
                else elided(command.output, actual)
            )
        old = lines[sample.start : sample.end]
        if block != old:
            where = f"README.md:{sample.start + 1}"
            diffs += difflib.unified_diff(old, block, where, f"{where} (as run)", lineterm="")
        start = sample.start + done
        out[start : start + len(old)] = block
        done += len(block) - len(old)
    return out, diffs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="exit 1 when a sample is stale")
    mode.add_argument("--write", action="store_true", help="rewrite README.md's samples")
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "examples", Path(tmp) / "examples")
        lines, diffs = refresh(text.split("\n"), Path(tmp))
    if args.write:
        args.readme.write_text("\n".join(lines), encoding="utf-8")
        print(f"rewrote {args.readme}" if diffs else f"{args.readme}: every sample is current")
        return 0
    if diffs:
        print("\n".join(diffs))
        print("README samples are stale: python tools/readme_samples.py --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
