"""Composing skyinfra's own boot script with the user's for cloud-init user data.

AWS user data (and Azure custom data) hold one payload that cloud-init runs. When skyinfra
must configure the VM too (credentials for buckets on other clouds), both go into one MIME
multipart archive, each part with its own type, which cloud-init runs in order
(https://cloudinit.readthedocs.io/en/latest/explanation/format.html#mime-multi-part-archive):
skyinfra's part first, so the user's script finds the credentials in place.
"""

from __future__ import annotations

__all__ = ["BOUNDARY", "multipart"]

# Fixed, so the same inputs give the same user data (a changed boundary would replace VMs).
BOUNDARY = "==skyinfra-boot-parts=="


def multipart(*scripts: str) -> str:
    """One MIME multipart archive of shell `scripts` (each starts with `#!`, as the spec
    requires of a startup script), run in order."""
    lines = [
        f'Content-Type: multipart/mixed; boundary="{BOUNDARY}"',
        "MIME-Version: 1.0",
        "",
    ]
    for script in scripts:
        lines += [
            f"--{BOUNDARY}",
            'Content-Type: text/x-shellscript; charset="utf-8"',
            "MIME-Version: 1.0",
            "",
            script.rstrip("\n"),
        ]
    lines += [f"--{BOUNDARY}--", ""]
    return "\n".join(lines)
