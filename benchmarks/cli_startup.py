"""How long `skyinfra --help` takes, and what it imports; run by hand:
`python benchmarks/cli_startup.py [--runs N]`.

Target: under 1 s. The CLI modules import the library (pydantic models, numpy, the
optimiser, pulumi and the provider SDKs, jinja2) inside their commands, so help, usage
errors and shell completion load only click and rich. Prints the wall time of each run (a
fresh interpreter, as a user's shell starts one), the median, and the modules of those
heavy packages that `--help` loaded (a deterministic test checks the same: tests/test_cli.py).
For where the time goes: `python -X importtime -c "import skyinfra.cli" 2> imports.txt`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

HEAVY = ("pulumi", "pulumi_aws", "pulumi_gcp", "pulumi_azure_native", "highspy", "numpy")
HEAVY += ("jinja2", "pydantic", "yaml")
PROBE = (
    "import sys\n"
    "from skyinfra.cli import main\n"
    "try:\n    main(['--help'], prog_name='skyinfra')\n"
    "except SystemExit:\n    pass\n"
    f"print(__import__('json').dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    command = [sys.executable, "-c", "from skyinfra.cli import main; main()", "--help"]
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    print("skyinfra --help: " + ", ".join(f"{t:.2f} s" for t in times))
    print(f"median {statistics.median(times):.2f} s (target: under 1 s)")
    out = subprocess.run(
        [sys.executable, "-c", PROBE], check=True, capture_output=True, text=True
    ).stdout
    loaded = json.loads(out.splitlines()[-1])
    print(f"heavy packages imported by --help: {', '.join(loaded) or 'none'}")


if __name__ == "__main__":
    main()
