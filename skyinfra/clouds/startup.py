"""Composing skyinfra's own boot script with the user's for cloud-init user data.

AWS user data (and Azure custom data) hold one payload that cloud-init runs. When skyinfra
must configure the VM too (credentials for buckets on other clouds), both go into one MIME
multipart archive, each part with its own type, which cloud-init runs in order
(https://cloudinit.readthedocs.io/en/latest/explanation/format.html#mime-multi-part-archive):
skyinfra's part first, so the user's script finds the credentials in place.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

__all__ = ["BOUNDARY", "GCP_CREDENTIALS", "gcp_credential_script", "multipart"]

# Where a VM of another cloud keeps its Google `external_account` configuration.
GCP_CREDENTIALS = "/etc/skyinfra/gcp-credentials.json"

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


def gcp_credential_script(config: Mapping[str, Any], exchanged: str) -> str:
    """The boot script writing a Google `external_account` configuration (no secret: it says
    how to exchange `exchanged`, the VM's own identity, for a Google token) and
    `GOOGLE_APPLICATION_CREDENTIALS` in /etc/environment and /etc/profile.d, so gcloud and
    Google's client libraries find it."""
    env = f"GOOGLE_APPLICATION_CREDENTIALS={GCP_CREDENTIALS}"
    return "\n".join(
        [
            "#!/bin/sh",
            "# skyinfra: keyless credentials for buckets on other clouds (no key is stored:",
            f"# the file says how to exchange this VM's {exchanged} for a Google token).",
            "set -eu",
            f"mkdir -p {shlex.quote(GCP_CREDENTIALS.rsplit('/', 1)[0])}",
            f"cat > {GCP_CREDENTIALS} <<'SKYINFRA_EOF'",
            json.dumps(config, indent=2),
            "SKYINFRA_EOF",
            f"chmod 644 {GCP_CREDENTIALS}",
            f"grep -qx {shlex.quote(env)} /etc/environment || echo {shlex.quote(env)} "
            ">> /etc/environment",
            f"echo {shlex.quote('export ' + env)} > /etc/profile.d/skyinfra-credentials.sh",
            "",
        ]
    )
