"""Bad input: every case exits 2 with a one-screen, located message and writes nothing."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from skyinfra.cli import main
from skyinfra.errors import SpecError
from skyinfra.loader import load_spec

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
    (
        "bad-project-name",
        BASE.replace("name: demo", "name: My_Project"),
        1,
        "lowercase letters, digits and '-', starts with a letter",
    ),
    ("bad-resource-name", BASE.replace("  web:", "  Web_1:"), 10, "invalid name 'Web_1'"),
    ("duplicate-across-kinds", BASE.replace("  web:", "  data:"), 10, "already used in buckets"),
    ("dangling-network", BASE.replace("network: core", "network: cor"), 11, "did you mean 'core'?"),
    ("bad-egress", BASE.replace("core: {}", "core: {egress: gateway}"), 5, "'nat' or 'none'"),
    (
        "public-without-egress",
        BASE.replace("core: {}", "core: {egress: none}").replace(
            "network: core", "network: core\n    public: true"
        ),
        12,
        "`egress: none`",
    ),
    (
        "dangling-flow",
        BASE + "flows:\n  - {from: data, to: wbe, gb_per_month: 5}\n",
        15,
        "did you mean 'web'?",
    ),
    (
        "grant-unknown-bucket",
        BASE.replace("network: core", "network: core\n    grants: [{bucket: dta, access: read}]"),
        12,
        "did you mean 'data'?",
    ),
    (
        "grant-bad-access",
        BASE.replace("network: core", "network: core\n    grants: [{bucket: data, access: all}]"),
        12,
        "'read', 'write' or 'admin'",
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
        "real-region-without-prices",
        BASE.replace("region: us-east-1}\ncompute", "region: eu-central-2}\ncompute"),
        8,
        "region 'eu-central-2' is not in the price catalog for aws",
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
        6,  # the placement that put a resource on gcp
        "'data' is placed on gcp, which needs accounts.gcp.project",
    ),
    (
        "tab-indentation",
        BASE.replace("    network: core", "\tnetwork: core"),
        11,
        "a tab in the indentation",
    ),
    (
        "pin-outside-policy-clouds",
        BASE + "policy:\n  clouds: [gcp]\n",
        8,
        "placement.cloud aws and policy.clouds [gcp] have no cloud in common",
    ),
    (
        "cloud-and-clouds-contradict",
        BASE.replace(
            "{cloud: aws, region: us-east-1}\ncompute", "{cloud: aws, clouds: [gcp]}\ncompute"
        ),
        8,
        "cloud aws is not among clouds [gcp]",
    ),
    (
        "region-and-regions-contradict",
        BASE.replace(
            "{cloud: aws, region: us-east-1}\ncompute",
            '{cloud: aws, region: us-east-1, regions: ["eu-*"]}\ncompute',
        ),
        8,
        "region us-east-1 matches none of regions [eu-*]",
    ),
    (
        "regions-ruled-out-by-the-policy",
        BASE.replace(
            '"8+"}\n    placement: {cloud: aws, region: us-east-1}',
            '"8+"}\n    placement:\n      regions: ["us-*"]',
        )
        + 'policy:\n  regions: ["eu-*"]\n',
        14,  # the resource's own regions, below its placement
        "no region on [aws, gcp, azure] in regions [eu-*] in regions [us-*]",
    ),
    (
        "pinned-region-ruled-out-by-the-policy",
        BASE + 'policy:\n  regions: ["eu-*"]\n',
        8,
        "no region on [aws] in regions [eu-*] in regions [us-east-1]",
    ),
    (
        "colocate-with-and-avoid-one-resource",
        BASE.replace(
            '"8+"}\n    placement: {cloud: aws, region: us-east-1}',
            '"8+"}\n    placement: {colocate_with: data, avoid: [data]}',
        ),
        13,
        "'data' is both in colocate_with (same site) and in avoid",
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
    ("peering-mode", BASE + "peering: {mode: vpnn}\n", 14, "'vpn', 'interconnect' or 'auto'"),
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


def _compile(spec: Path, *extra: str) -> tuple[int, str]:
    out = spec.parent / "out"
    result = CliRunner().invoke(main, ["compile", str(spec), "-o", str(out), *extra])
    assert "Traceback" not in result.output
    assert not out.exists()
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le"], ids=["with-byte-order-mark", "without"]
)
def test_a_utf16_spec_is_named_as_such(tmp_path: Path, encoding: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE, encoding=encoding)  # what PowerShell's `>` writes
    code, message = _compile(spec)
    assert code == 2
    assert f"{spec}:1:1: the file is UTF-16" in message and "save it as UTF-8" in message


def test_a_spec_in_another_encoding_is_located(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_bytes(BASE.replace("core: {}", "# café\n  core: {}").encode("latin-1"))
    code, message = _compile(spec)
    assert code == 2
    assert f"{spec}:5:8: not UTF-8 text (byte 0xe9)" in message


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE, encoding="utf-8-sig")
    result = CliRunner().invoke(main, ["plan", str(spec), "--json"])
    assert result.exit_code == 0, result.output


def test_a_spec_path_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "sky.yaml").write_text(BASE)
    result = CliRunner().invoke(main, ["plan", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a directory" in result.output and "Traceback" not in result.output
    with pytest.raises(SpecError, match=r"is a directory, not a spec file") as err:
        load_spec(tmp_path)
    assert err.value.problems[0].hint == "spec files there: sky.yaml"


def test_an_empty_policy_clouds_list_is_named(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: demo\npolicy:\n  clouds: []\nnetworks: {core: {}}\nbuckets: {b: {}}\n")
    code, message = _compile(spec)
    assert code == 2
    assert f"{spec}:3:3: policy.clouds: policy.clouds is empty, so no cloud is allowed" in message


def test_extension_keys_may_hold_anchors_for_merge_keys(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "x-vm: &vm\n  resources: {cpus: '2+', memory: '8+'}\n  placement: {cloud: aws}\n"
        + BASE.replace('    resources: {cpus: "2+", memory: "8+"}\n', "    <<: *vm\n")
    )
    result = CliRunner().invoke(main, ["plan", str(spec), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["placements"]["web"]["cloud"] == "aws"


BROKEN_CATALOG = "InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,Price,SpotPrice,Region\nm5.large,2,8,,,abc,,us-east-1\n"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("region,instance_type\n", "aws/vms.csv is not a VM price catalog: no column vCPUs"),
        (BROKEN_CATALOG, "aws/vms.csv: unreadable line 'm5.large,2,8,,,abc,,us-east-1'"),
    ],
    ids=["missing-columns", "bad-price"],
)
def test_catalog_errors_are_labelled_and_printed_once(
    tmp_path: Path, content: str, needle: str
) -> None:
    (tmp_path / "catalog" / "aws").mkdir(parents=True)
    (tmp_path / "catalog" / "aws" / "vms.csv").write_text(content)
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE)  # a bucket and a compute group: both read the aws prices
    code, message = _compile(spec, "--catalog", str(tmp_path / "catalog"))
    assert code == 2
    assert message.startswith("error: error in price catalog:\n")
    assert message.count(needle) == 1, message
    assert str(spec) not in message  # not a problem of the spec


def test_a_corrupt_lock_says_how_to_recover(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE)
    lock = tmp_path / "spec.lock"
    lock.write_text("version: 1\nresources: {web: [}\n")
    code, message = _compile(spec)
    assert code == 2
    assert f"error in lock file:\n  {lock}:2:" in message
    assert "`skyinfra plan SPEC --replan` (or delete it)" in message
    assert "recompile" not in message
    assert lock.read_text() == "version: 1\nresources: {web: [}\n"
    # the way out the hint names: plan afresh, say so, rewrite the lock
    result = CliRunner().invoke(main, ["plan", str(spec), "--replan", "--json"])
    assert result.exit_code == 0, result.output
    [warning] = [w for w in json.loads(result.output)["warnings"] if "could not be read" in w]
    assert "every placement and address range was decided afresh" in warning
    assert lock.read_text().startswith("# generated by skyinfra")


def test_a_lock_that_is_not_text_is_a_lock_error(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE)
    (tmp_path / "spec.lock").write_bytes(b"\xff\xfe\x00garbage")
    code, message = _compile(spec)
    assert code == 2 and "error in lock file:" in message and "unreadable" in message


def test_hints_name_the_command_that_takes_replan(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(BASE)
    assert CliRunner().invoke(main, ["plan", str(spec)]).exit_code == 0
    lock = tmp_path / "spec.lock"
    lock.write_text(
        lock.read_text().replace(
            "data: {kind: bucket, cloud: aws", "data: {kind: bucket, cloud: gcp"
        )
    )
    for command in (["compile"], ["preview"], ["plan"]):
        extra = ["-o", str(tmp_path / "out")] if command == ["compile"] else []
        result = CliRunner().invoke(main, [*command, str(spec), *extra])
        assert result.exit_code == 2, result.output
        assert "re-plan it with `skyinfra plan SPEC --replan data`" in result.output
        assert "pass --replan" not in result.output
