"""SSH public keys: what loads is what the clouds parse; what they refuse fails at load."""

from __future__ import annotations

import base64
import dataclasses
import shutil
from pathlib import Path

import pytest

from skyinfra.api import preview_project
from skyinfra.clouds.azure.unheld_key import unheld_public_key
from skyinfra.preview import StackPreview
from skyinfra.ssh_keys import check_public_key
from tests.stacks import SSH_KEY, run, stack_plan

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# Real throwaway public keys (ssh-keygen; the private halves were never kept).
ED25519 = SSH_KEY
RSA_3072 = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCs1yQXn9J6lE0qeTFUQnwz3CeXgZkZc+dXbybzq4RP+PFi1U8pq"
    "/aqkH6XuPd4jgm/TmWMy+FlF1JnDvhJUToM/ZpIjNm+Yi/Wx+iIa57Zbmy+X+IjPfaTUDfu+VK2KGXENNBEVNhEmh"
    "QblUso5LyLTWSPINFOXCvRw1lhqlCCDX9U3rukhq57JbUTQkMRlUEkeXrildvnMTjfNi9gfUOplQkeLcgYYfoNMYcw"
    "nd/7uPjegIUHCSLm0YZItuw2bX4TsvqjvTi1wjH3ip3AV7yzCnkZxSUvh3WekqJNBDpvdwQAn2I7IPqdu1GoXeVUMU"
    "KoNtYG7Ga+d4aKEyfLbrt90QdkYxYEwA95/sJHQGtNcW5MuzkDVk/ZlhK6OzeW0waFeVUC5kTb0hwgDpDLNIHGyc3F"
    "dTW5GjhQIV0c5ghBiz7POVUf6hT1F5AU2Z5t9hRjgvysPjMF88mO4cu10k8+LuJ2KhHepZBPXvTkDd5EKC4DFwmA7b"
    "vudY4Mu0GdFJk= ops@example.com"
)
RSA_1024 = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC2sbVVIs1n5yR0VvYYMHL6BRV55Wp/89E9Z0fgmVe3OeQHxvoQuQ"
    "QIpvCvyCP0H/XsAPS+pPbfcVwes0vyPXp/HOVOUvqLHrgRbBGGyCZtCi9M4Qm3nm846KXFarA2MxicsVJSGrLOXS5T9"
    "XOwD08EG+CGMETpAXxI2aGWl1a6PQ== ops@example.com"
)
ECDSA = {
    "nistp256": "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBHiWqUO"
    "vSU+xvy9/PRRYv7NZ/HSVj1v5HCrWsd6CHud3Q1mIsOx6Kwusci2FkQXq8SZNwuLfAxKeaWUEKEUulcE=",
    "nistp384": "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBGqUSoW"
    "WjFe/AQe7DJTxh66F57K1r+7AT5X8wmT7nY5fYBktsApc0GhMWL3/cFqbaUcmb7KmwjaNq/51QMkIrIdRQvYF2q0K/+"
    "UTp2n0z8XBAS6pk8I/5xdnOwwguB738w==",
    "nistp521": "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAEtSsd"
    "YRbLkf4rEMzaqr7J+nwljSQQ8EPLyJYGGz/kYskYl4+8UNhRcI6/GQCVzvud/xXDIKz8WOG59R3GAmm4A1wHV15ULZF"
    "Wj47e1A0+HqrUlznANmSeuO0EjTp/dwC1u3LZU5Qv9xyKuO+Nuy5hjY3A75Or5Ubo2baKqLuUQDNhNGg==",
}


def _body(key: str) -> bytes:
    return base64.b64decode(key.split()[1])


def _line(kind: str, blob: bytes) -> str:
    return f"{kind} {base64.b64encode(blob).decode()} x@example"


@pytest.mark.parametrize("key", [ED25519, RSA_3072, *ECDSA.values(), f"  {ED25519}\n"])
def test_real_keys_of_every_supported_type_are_accepted(key: str) -> None:
    check_public_key(key)


@pytest.mark.parametrize(
    ("key", "needle"),
    [
        ("", "expected an OpenSSH public key"),
        ("ssh-ed25519", "expected an OpenSSH public key"),
        ("ssh-dss AAAAB3NzaC1kc3M= x", "unsupported key type 'ssh-dss'"),
        ("ssh-ed2519 AAAA x", "did you mean 'ssh-ed25519'?"),
        ("ssh-ed25519 not*base64 x", "not valid base64"),
        (_line("ssh-ed25519", _body(ED25519)[:15] + b"\x21" + _body(ED25519)[16:]), "ends early"),
        ("ssh-rsa " + ED25519.split()[1], "labelled 'ssh-rsa' but its body holds a 'ssh-ed25519'"),
        (_line("ssh-ed25519", _body(ED25519)[:-8]), "ends early"),
        (_line("ssh-ed25519", _body(ED25519) + b"\0\0\0\0"), "trailing bytes"),
        (RSA_1024, "has 1024 bits"),
        (f"{ED25519}\n{ED25519}", "one public key on one line"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn", "this is a private key"),
        (
            "ecdsa-sha2-nistp384 " + ECDSA["nistp256"].split()[1],
            "holds a 'ecdsa-sha2-nistp256' key",
        ),
    ],
)
def test_keys_the_clouds_refuse_are_refused_with_the_reason(key: str, needle: str) -> None:
    with pytest.raises(ValueError) as err:
        check_public_key(key)
    assert needle in str(err.value)


def test_an_ed25519_key_of_the_wrong_size_is_refused() -> None:
    kind = b"ssh-ed25519"
    blob = len(kind).to_bytes(4, "big") + kind + (31).to_bytes(4, "big") + b"\1" * 31
    with pytest.raises(ValueError, match="holds 32 bytes"):
        check_public_key(_line("ssh-ed25519", blob))


def _received_keys(stack: StackPreview) -> list[str]:
    """The public keys the engine received, whichever cloud's resource carries them."""
    keys = []
    for r in stack.resources:
        if r.type == "aws:ec2/keyPair:KeyPair":
            keys.append(r.inputs["publicKey"])
        elif "ssh-keys" in r.inputs.get("metadata", {}):  # GCP instance templates
            keys.append(r.inputs["metadata"]["ssh-keys"].split(":", 1)[1])
        elif r.type == "azure-native:compute:VirtualMachineScaleSet":
            linux = r.inputs["virtualMachineProfile"]["osProfile"]["linuxConfiguration"]
            keys += [k["keyData"] for k in linux["ssh"]["publicKeys"]]
    return keys


@pytest.mark.parametrize("cloud", ["aws", "azure"])
def test_the_key_each_cloud_receives_parses(cloud: str) -> None:
    (key,) = _received_keys(run(stack_plan(cloud)))
    assert key == SSH_KEY
    check_public_key(key)


def test_gcp_receives_no_key_os_login_manages_keys() -> None:
    assert _received_keys(run(stack_plan("gcp"))) == []


def test_azure_without_a_key_receives_one_nobody_holds_which_parses() -> None:
    plan = stack_plan("azure")
    keyless = dataclasses.replace(plan.compute[0], ssh_public_key=None)
    (key,) = _received_keys(run(dataclasses.replace(plan, compute=(keyless,))))
    assert key == unheld_public_key()
    check_public_key(key)


def test_the_examples_keys_load_and_reach_the_engine_as_keys(tmp_path: Path) -> None:
    for name in ("three-clouds", "sky-three-clouds"):
        for suffix in (".yaml", ".lock"):
            shutil.copy(EXAMPLES / f"{name}{suffix}", tmp_path)
        keys = [k for p in preview_project(tmp_path / f"{name}.yaml") for k in _received_keys(p)]
        assert keys, name
        for key in keys:
            check_public_key(key)
