"""`skyinfra ssh NAME [SPEC]`: the command that opens a shell on a deployed group's VM.

The way in is each cloud's `Cloud.login` (Session Manager, IAP TCP forwarding, Entra ID SSH
login), none of which needs a public IP; `Cloud.login_command` words the command from the
group's stack outputs, read from the state backend of SPEC's deploy directory (as `skyinfra
up` left it). Reading outputs runs no program and changes nothing. The command is printed on
stdout (`$(skyinfra ssh api)` is the command), or run through `sh -c` with `--exec`: exactly
the printed text, so what a user copies and what `--exec` runs cannot differ.

Exit codes: 2 for an unknown NAME (with did-you-mean), an `--index` past the group's VMs, or a
setup error; 1 when the group's stack is not deployed (the message says how to deploy it);
with `--exec`, the command's own exit code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import click
from rich.console import Console
from rich.markup import escape

from skyinfra.cli.util import catalog_option, reports_errors, spec_argument
from skyinfra.deploy.project import (
    PROJECT_DIR,
    PROJECT_FILE,
    Backend,
    check_secrets,
    choose_backend,
    default_root,
)
from skyinfra.errors import SkyinfraError
from skyinfra.suggest import did_you_mean

if TYPE_CHECKING:
    from skyinfra.clouds.records import LoginTarget
    from skyinfra.topology import StackPlan

SHELL = "/bin/sh"


class NotDeployedError(SkyinfraError):
    """The group's stack (or the group in it) is not in the state backend yet."""


class Outputs(Protocol):
    """What `ssh` needs of the backend: the stacks it holds, and one stack's outputs."""

    def deployed(self) -> dict[str, int | None]: ...
    def outputs(self, name: str) -> dict[str, Any]: ...


def make_reader(project_dir: Path, backend: Backend) -> Outputs:
    """The Automation API workspace over the deployed project (the Pulumi CLI reads state)."""
    from skyinfra.deploy.automation import AutomationWorkspace, require_pulumi_cli

    require_pulumi_cli()
    return AutomationWorkspace(project_dir, backend)


@dataclass(frozen=True)
class Login:
    """The command for one VM of a group, and what the user's machine needs for it."""

    group: str
    stack: str
    cloud: str
    index: int
    command: str
    method: str
    title: str
    docs: str
    prerequisites: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "prerequisites": list(self.prerequisites)}


@click.command()
@click.argument("name")
@spec_argument
@click.option(
    "--index",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Which VM of the group (0 to count - 1, in the order the cloud's CLI sorts them).",
)
@click.option("--exec", "run", is_flag=True, help="Run the command (sh -c) instead of printing it.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Deploy directory, as given to `skyinfra up`. Default: .skyinfra/<spec file stem>/ beside SPEC.",
)
@click.option("--backend", metavar="URL", help="Pulumi state backend, as for `skyinfra up`.")
@catalog_option
@reports_errors
def ssh(
    name: str,
    spec: Path,
    index: int,
    run: bool,
    as_json: bool,
    out_dir: Path | None,
    backend: str | None,
    catalog_dir: Path | None,
) -> None:
    """Print (or with --exec run) the command that opens a shell on VM --index of compute
    group NAME of SPEC, deployed with `skyinfra up`: AWS Session Manager, GCP IAP TCP
    forwarding with OS Login, Azure Entra ID SSH login. No public IP needed."""
    if run and as_json:
        raise click.UsageError("--exec runs the command; --json prints it: choose one")
    login = login_for(name, spec, index, out_dir, backend, catalog_dir)
    if as_json:
        click.echo(json.dumps(login.to_json(), indent=2))
        return
    if run:
        sys.exit(subprocess.run([SHELL, "-c", login.command], check=False).returncode)
    note = f"# {login.title} ({login.docs}); needs: {'; '.join(login.prerequisites)}"
    Console(stderr=True, highlight=False).print(escape(note), soft_wrap=True)
    click.echo(login.command)


def login_for(
    name: str,
    spec: Path,
    index: int,
    out_dir: Path | None,
    backend: str | None,
    catalog_dir: Path | None,
) -> Login:
    """Plan SPEC to find NAME's stack, read its outputs from the backend, word the command."""
    from skyinfra import api
    from skyinfra.catalog.vms import load_catalog
    from skyinfra.clouds import get_cloud
    from skyinfra.clouds.records import LoginTarget

    plan = api.plan_spec(spec, load_catalog(catalog_dir))
    stack = _stack_of(name, spec, plan.topology.stacks)
    root = out_dir or default_root(spec)
    deploy = f"skyinfra up {spec} --stack {stack.name}" + (f" -o {out_dir}" if out_dir else "")
    project_dir = root / PROJECT_DIR
    if not (project_dir / PROJECT_FILE).is_file():
        raise NotDeployedError(
            f"stack {stack.name} (compute group {name!r}) is not deployed: nothing was deployed "
            f"from {root} yet; deploy it with `{deploy}`"
        )
    chosen = choose_backend(backend, os.environ, root)
    check_secrets(chosen, os.environ)
    outputs = _group_outputs(make_reader(project_dir, chosen), stack.name, name, deploy)
    count = int(outputs.get("count", 1))
    if index >= count:
        raise click.BadParameter(
            f"group {name!r} has {count} VM(s): use an index from 0 to {count - 1}",
            param_hint="'--index'",
        )
    cloud = get_cloud(stack.site.cloud)
    target = LoginTarget(name, stack.site, outputs, dict(stack.settings), index)
    return _login(cloud.name, stack.name, target, cloud.login_command(target))


def _stack_of(name: str, spec: Path, stacks: tuple[StackPlan, ...]) -> StackPlan:
    """The cloud stack running compute group `name` (bad parameter with did-you-mean)."""
    groups = {group.name: stack for stack in stacks for group in stack.compute}
    if name in groups:
        return groups[name]
    hint = did_you_mean(name, groups) or f"compute groups: {', '.join(sorted(groups)) or 'none'}"
    raise click.BadParameter(f"no compute group {name!r} in {spec} ({hint})", param_hint="NAME")


def _group_outputs(reader: Outputs, stack: str, name: str, deploy: str) -> dict[str, Any]:
    """`compute.<name>` of the deployed stack, or why there is none yet."""
    if not reader.deployed().get(stack):
        raise NotDeployedError(
            f"stack {stack} (compute group {name!r}) is not deployed: the state backend holds "
            f"no resources for it; deploy it with `{deploy}`"
        )
    group = reader.outputs(stack).get("compute", {}).get(name)
    if not isinstance(group, dict):
        raise NotDeployedError(
            f"stack {stack} is deployed without compute group {name!r} (it was added since "
            f"the last update); deploy it with `{deploy}`"
        )
    return group


def _login(cloud: str, stack: str, target: LoginTarget, command: str) -> Login:
    from skyinfra.clouds import get_cloud

    path = get_cloud(cloud).login
    return Login(
        group=target.group,
        stack=stack,
        cloud=cloud,
        index=target.index,
        command=command,
        method=path.method,
        title=path.title,
        docs=path.docs,
        prerequisites=path.prerequisites,
    )
