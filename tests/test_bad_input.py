"""Bad input: every case exits 2 with a one-screen, located message and writes nothing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from skyinfra.cli import main

BASE = """\
name: demo
accounts:
  gcp: {project: demo-project}
networks:
  core: {}
buckets:
  data:
    placement: {cloud: aws, region: us-east-1}
compute:
  web:
    network: core
    resources: {cpus: "2+", memory: "8+"}
    placement: {cloud: aws, region: us-east-1}
"""

# (id, spec text, expected line, substring of the message)
CASES = [
    ("malformed-yaml", "name: demo\nnetworks: {core: [}\n", 2, "invalid YAML"),
    ("empty", "", 1, "the spec is empty"),
    ("not-a-mapping", "- name: demo\n", 1, "must be a mapping"),
    ("duplicate-key", "name: demo\nname: other\n", 2, "duplicate key"),
    ("unknown-top-key", BASE + "computes: {}\n", 14, "did you mean 'compute'?"),
    (
        "unknown-nested-key",
        BASE.replace("resources:", "resourcs:"),
        12,
        "did you mean 'resources'?",
    ),
    (
        "count-wrong-type",
        BASE.replace("network: core", "network: core\n    count: three"),
        12,
        "valid integer",
    ),
    (
        "count-zero",
        BASE.replace("network: core", "network: core\n    count: 0"),
        12,
        "greater than or equal to 1",
    ),
    (
        "port-wrong-type",
        BASE.replace("network: core", "network: core\n    ports: [ssh]"),
        12,
        "valid integer",
    ),
    (
        "port-out-of-range",
        BASE.replace("network: core", "network: core\n    ports: [70000]"),
        12,
        "less than or equal to 65535",
    ),
    ("missing-name", BASE.replace("name: demo\n", ""), None, "missing required key 'name'"),
    ("bad-project-name", BASE.replace("name: demo", "name: My_Project"), 1, "should match pattern"),
    ("bad-resource-name", BASE.replace("  web:", "  Web_1:"), 10, "invalid name 'Web_1'"),
    ("duplicate-across-kinds", BASE.replace("  web:", "  data:"), 10, "already used in buckets"),
    ("dangling-network", BASE.replace("network: core", "network: cor"), 11, "did you mean 'core'?"),
    (
        "dangling-flow",
        BASE + "flows:\n  - {from: data, to: wbe, gb_per_month: 5}\n",
        15,
        "did you mean 'web'?",
    ),
    (
        "flow-self",
        BASE + "flows:\n  - {from: web, to: web, gb_per_month: 5}\n",
        15,
        "two different endpoints",
    ),
    (
        "flow-negative",
        BASE + "flows:\n  - {from: web, to: data, gb_per_month: -5}\n",
        15,
        "greater than or equal to 0",
    ),
    (
        "cidr-invalid",
        BASE.replace("core: {}", "core: {cidr: 10.0.0.0/33}"),
        5,
        "is not 'auto' or an IPv4 CIDR",
    ),
    ("cidr-public", BASE.replace("core: {}", "core: {cidr: 8.8.0.0/16}"), 5, "not a private range"),
    (
        "cidr-host-bits",
        BASE.replace("core: {}", "core: {cidr: 10.1.0.1/16}"),
        5,
        "has host bits set",
    ),
    (
        "accelerator-impossible",
        BASE.replace('{cpus: "2+", memory: "8+"}', '{accelerators: "A100:3"}'),
        12,
        "A100",
    ),
    (
        "accelerator-malformed",
        BASE.replace('{cpus: "2+", memory: "8+"}', '{accelerators: "A100x8:x"}'),
        12,
        "not an accelerator request",
    ),
    ("quantity-malformed", BASE.replace('cpus: "2+"', "cpus: lots"), 12, "is not a quantity"),
    (
        "unknown-cloud",
        BASE.replace(
            "{cloud: aws, region: us-east-1}\ncompute", "{cloud: awz, region: us-east-1}\ncompute"
        ),
        8,
        "did you mean 'aws'?",
    ),
    (
        "unknown-region",
        BASE.replace("region: us-east-1}\ncompute", "region: us-est-1}\ncompute"),
        8,
        "us-east-1",
    ),
    (
        "unknown-image",
        BASE.replace("network: core", "network: core\n    image: ubuntu-2204"),
        12,
        "did you mean 'ubuntu-22.04'?",
    ),
    (
        "infeasible-geo",
        BASE.replace(
            "    placement: {cloud: aws, region: us-east-1}\ncompute",
            "    placement: {clouds: [aws], geo: [ch]}\ncompute",
        ),
        8,
        "no region in geo [ch] on [aws]",
    ),
    (
        "gcp-without-project",
        BASE.replace("accounts:\n  gcp: {project: demo-project}\n", "").replace(
            "cloud: aws, region: us-east-1}\ncompute", "cloud: gcp, region: us-central1}\ncompute"
        ),
        None,
        "needs accounts.gcp.project",
    ),
    (
        "unknown-account-key",
        BASE.replace("{project: demo-project}", "{projekt: demo-project}"),
        3,
        "did you mean 'project'?",
    ),
    (
        "unknown-account-cloud",
        BASE.replace("  gcp: {project", "  gpc: {project"),
        3,
        "did you mean 'gcp'?",
    ),
    (
        "dangling-replica",
        BASE.replace(
            "    placement: {cloud: aws, region: us-east-1}\ncompute",
            "    placement: {cloud: aws, region: us-east-1}\n    replicate_to: [webb]\ncompute",
        ),
        9,
        "did you mean 'web'?",
    ),
    (
        "colocate-self",
        BASE.replace(
            "    placement: {cloud: aws, region: us-east-1}\n",
            "    placement: {cloud: aws, region: us-east-1, colocate_with: web}\n",
        ),
        13,
        "cannot refer to itself",
    ),
    (
        "instance-type-unknown-cloud",
        BASE.replace(
            "network: core",
            "network: core\n    instance_type: {aws: m6i.large, azr: Standard_D2s_v5}",
        ),
        12,
        "did you mean 'azure'?",
    ),
    ("peering-mode", BASE + "peering: {mode: vpnn}\n", 14, "'vpn' or 'interconnect'"),
    (
        "cidr-link-local",
        BASE.replace("core: {}", "core: {cidr: 169.254.0.0/16}"),
        5,
        "not a private range",
    ),
    (
        "peering-link-unknown-stack",
        BASE + "peering: {links: [[aws-us-east-1, aws-us-eats-1]]}\n",
        14,
        "did you mean 'aws-us-east-1'?",
    ),
    (
        "peering-supernet-too-small",
        BASE + "peering: {supernet: 10.0.0.0/20}\n",
        14,
        "use a prefix between /8 and /16",
    ),
    (
        "explicit-cidr-two-sites",
        BASE.replace("core: {}", "core: {cidr: 10.9.0.0/16}")
        + "  api:\n    network: core\n    instance_type: n2-standard-2\n    placement: {cloud: gcp, region: us-central1}\n",
        5,
        "would be used at 2 sites",
    ),
    (
        "gpu-cannot-attach-gcp",
        BASE.replace(
            '{cpus: "2+", memory: "8+"}\n    placement: {cloud: aws, region: us-east-1}',
            '{accelerators: "A100:1"}\n    instance_type: n1-standard-8\n    placement: {cloud: gcp, region: us-central1}',
        ),
        12,
        "cannot be attached to n1-standard-8",
    ),
    (
        "gpu-on-cpu-size-azure",
        BASE.replace(
            '{cpus: "2+", memory: "8+"}\n    placement: {cloud: aws, region: us-east-1}',
            '{accelerators: "T4:1"}\n    instance_type: Standard_D4s_v5\n    placement: {cloud: azure, region: westeurope}',
        ),
        12,
        "has no GPU",
    ),
    (
        "ssh-key-not-base64",
        BASE.replace(
            "network: core", 'network: core\n    ssh_public_key: "ssh-ed25519 AAAA#C3 me"'
        ),
        12,
        "not valid base64",
    ),
    (
        "ssh-key-type-mismatch",
        BASE.replace(
            "network: core",
            "network: core\n    ssh_public_key: ssh-rsa "
            "AAAAC3NzaC1lZDI1NTE5AAAAIAKj/fg1MTfp9vPtfmclz6hwfZMHn5xxNWfbq5F1rnae me",
        ),
        12,
        "labelled 'ssh-rsa' but its body holds a 'ssh-ed25519' key",
    ),
    (
        "ssh-key-unknown-type",
        BASE.replace("network: core", "network: core\n    ssh_public_key: ssh-ed2519 AAAA me"),
        12,
        "did you mean 'ssh-ed25519'?",
    ),
    (
        "image-own-unknown-cloud",
        BASE.replace("network: core", "network: core\n    image: {awz: ami-0123456789abcdef0}"),
        12,
        "did you mean 'aws'?",
    ),
    (
        "image-own-not-an-ami",
        BASE.replace("network: core", "network: core\n    image: {aws: ubuntu-22.04}"),
        12,
        "is not an AMI id",
    ),
    (
        "gpu-image-without-driver",
        BASE.replace("network: core", "network: core\n    image: debian-12").replace(
            '{cpus: "2+", memory: "8+"}', '{accelerators: "T4:1"}'
        ),
        12,
        "has no NVIDIA-driver variant on aws",
    ),
    (
        "image-own-not-azure",
        BASE.replace("network: core", 'network: core\n    image: {azure: "a:b:c"}'),
        12,
        "'a:b:c' is neither an image URN nor an image resource id",
    ),
    (
        "ssh-key-type-refused-by-cloud",
        BASE.replace(
            "network: core",
            "network: core\n    ssh_public_key: ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAy"
            "NTYAAAAIbmlzdHAyNTYAAABBBHiWqUOvSU+xvy9/PRRYv7NZ/HSVj1v5HCrWsd6CHud3Q1mIsOx6Kwusci2F"
            "kQXq8SZNwuLfAxKeaWUEKEUulcE= me",
        ),
        12,
        "aws does not accept ecdsa-sha2-nistp256 keys",
    ),
    (
        "two-networks-no-choice",
        BASE.replace("core: {}", "core: {}\n  edge: {}").replace("    network: core\n", ""),
        11,
        "needs `network:`",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_exits_2_with_location_and_writes_nothing(
    tmp_path: Path, text: str, line: int | None, needle: str
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(textwrap.dedent(text), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["compile", str(spec), "-o", str(out)])
    message = result.output
    assert result.exit_code == 2, message
    assert needle in message
    where = f"{spec}:{line}:" if line is not None else f"{spec}"
    assert where in message, message
    assert "Traceback" not in message
    assert len(message.splitlines()) <= 25
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["spec.yaml"]


def test_a_pasted_private_key_is_refused_and_not_echoed(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    secret = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"
    key = f"-----BEGIN OPENSSH PRIVATE KEY-----\\n{secret}\\n-----END OPENSSH PRIVATE KEY-----"
    spec.write_text(BASE.replace("network: core", f'network: core\n    ssh_public_key: "{key}"'))
    result = CliRunner().invoke(main, ["plan", str(spec)])
    assert result.exit_code == 2
    assert f"{spec}:12:" in result.output and "this is a private key" in result.output
    assert secret not in result.output


def test_there_are_at_least_25_cases() -> None:
    assert len(CASES) >= 25


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        BASE.replace("network: core", "network: cor\n    count: 0").replace("name: demo", "name: X")
    )
    result = CliRunner().invoke(main, ["compile", str(spec), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "errors in spec" in result.output
    assert f"{spec}:1:" in result.output and f"{spec}:12:" in result.output
