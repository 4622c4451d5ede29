"""README.md: its sample outputs are what the commands print, and it links only inside the
repository (the README ships in the sdist and on PyPI, where `../` leads nowhere)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)(?:\s[^)]*)?\)|^\[[^\]]+\]:\s*(\S+)", re.M)


def _targets(text: str) -> list[str]:
    return [a or b for a, b in LINK.findall(text)]


def test_readme_links_stay_inside_the_repository() -> None:
    text = README.read_text(encoding="utf-8")
    targets = _targets(text)
    assert "docs/spec.md" in targets  # the contract is linked, in the repository
    local = [t for t in targets if "://" not in t and not t.startswith(("#", "mailto:"))]
    assert [t for t in local if t.startswith(("../", "/"))] == []
    assert [t for t in local if not (ROOT / t.split("#")[0]).exists()] == []
    assert "../shared" not in text


def test_link_pattern_finds_inline_and_reference_links() -> None:
    text = 'see [a](../x.md) and ![b](docs/p.svg "t")\n[c]: ../y.md\n'
    assert _targets(text) == ["../x.md", "docs/p.svg", "../y.md"]


def test_readme_samples_are_current() -> None:
    """Rerun every `$ skyinfra ...` sample; on failure: python tools/readme_samples.py --write."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "readme_samples.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
