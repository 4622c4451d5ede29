"""`skyinfra init`: a commented starter spec that plans and compiles as written.

The comments teach the format; the values are small and cheap (two 2-vCPU VMs in the EU).
Next to the spec goes the JSON Schema its first line names, so an editor autocompletes it.
"""

from __future__ import annotations

from pathlib import Path

from skyinfra.files import write_file
from skyinfra.schema import modeline, schema_text

SCHEMA_FILE = "skyinfra.schema.json"

STARTER_SPEC = f"""\
{modeline(SCHEMA_FILE)}
# A skyinfra spec says WHAT you need; `skyinfra plan` decides WHERE (cloud, region, instance
# type) from your policies and the price catalog, `skyinfra compile` writes the Pulumi project.
# Every key is optional unless noted; see the README and `skyinfra schema` for all of them.

name: my-project  # required: lowercase letters, digits and '-'; prefixes every cloud resource

# Where anything may run unless its own `placement:` narrows it further.
policy:
  clouds: [aws, gcp, azure]  # the clouds you can deploy to
  geo: [eu]  # jurisdictions and areas: us, eu, uk, ch, jp, ..., europe, asia, na
  max_hourly_price: 0.5  # USD per VM-hour; offers above it are never chosen

# Per-cloud settings: GCP needs the project to create resources in (set yours).
accounts:
  gcp: {{project: my-gcp-project}}

# Private networks: one VPC / VNet per (cloud, region) that uses it, never overlapping.
networks:
  main:
    cidr: auto  # the next free /16 of peering.supernet; or a fixed one such as 10.20.0.0/16

# Object storage: private, encrypted, versioned and protected against deletion by default.
buckets:
  artifacts:
    size_gb: 50  # expected size: its storage is priced when choosing where it goes
    # protect: false  # allow `pulumi destroy` to delete it
    # placement: {{cloud: aws, region: eu-west-1}}  # pin it (cloud + region)

# Groups of identical VMs; each VM gets the cheapest offer meeting `resources`.
compute:
  app:
    network: main
    count: 2
    resources:
      cpus: "2+"  # "2" exactly or "2+" at least; memory likewise, in GiB
      memory: "8+"
      # accelerators: "T4:1"  # GPU name and count per VM
    ports: [22, 443]  # TCP, open to the network and its peers only (`public: true`: the internet)
    # spot: true  # cheaper, may be evicted
    # ssh_public_key: "ssh-ed25519 AAAA... you@example.com"
    # placement: {{clouds: [aws, gcp]}}  # narrows the policy for this group only

# Steady data movement between resources: egress is priced, so readers move near their data.
flows:
  - {{from: artifacts, to: app, gb_per_month: 20}}

# How a network's sites are joined when resources talking to each other land apart.
peering:
  mode: vpn  # HA VPN with BGP between clouds; native peering between regions of one cloud
  links: auto  # link the sites whose compute groups have flows between them
"""


def write_starter(path: Path, force: bool = False) -> list[Path]:
    """Write the starter spec to `path` (refusing to replace a file unless `force`) and the
    schema it names beside it; the paths written."""
    if path.exists() and not force:
        raise FileExistsError(f"{path} already exists: pass --force to overwrite it")
    if path.exists() and not path.is_file():
        raise IsADirectoryError(f"{path} exists and is not a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    return [write_file(path, STARTER_SPEC), write_file(path.parent / SCHEMA_FILE, schema_text())]
