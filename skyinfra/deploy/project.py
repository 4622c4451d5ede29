"""The deploy directory of a spec, its state backend and its secrets provider.

Layout (default `<spec dir>/.skyinfra/<spec file stem>/`, or `-o DIR`):

```
DIR/project/        the compiled Pulumi project (`skyinfra compile`; rewritten on every run)
DIR/.pulumi-state/  the local state backend, when no other is chosen
DIR/logs/           the full Pulumi output of each stack's last operation
DIR/retired/        the settings files of stacks that left the plan but may still be deployed
```

The state lives beside the project, not in it: a compile replaces the project directory
atomically and must never take the state with it. What Pulumi adds to a stack's settings file
(the passphrase provider's `encryptionsalt`, a KMS `encryptedkey`) is carried over across
recompiles, since without it the stack's secrets cannot be decrypted.

A stack that leaves the plan (its resources moved, were removed) still exists in the backend,
with billed resources, until it is destroyed. Its settings file is set aside in `retired/`
before the recompile drops it from the project: `pulumi destroy` does not run the program, but
the CLI builds the stack's secrets manager from that file (the passphrase provider's salt).
`retired/` is itself a Pulumi project of the same name (a copy of `Pulumi.yaml`) in which those
stacks are destroyed (`pulumi stack rm` then deletes the file); a stack that comes back into the
plan gets its settings back.

Backend: `--backend URL`, else `PULUMI_BACKEND_URL`, else `file://DIR/.pulumi-state`, so a first
run needs no account. Every backend but Pulumi Cloud (`https://...`) encrypts secrets with a
passphrase: `PULUMI_CONFIG_PASSPHRASE` or `PULUMI_CONFIG_PASSPHRASE_FILE` must be set.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from skyinfra.deploy.order import StackGraph, stack_graph
from skyinfra.errors import SkyinfraError
from skyinfra.files import write_file

if TYPE_CHECKING:  # planning loads pydantic and numpy: on use, not for `skyinfra --help`
    from skyinfra import api
    from skyinfra.catalog.vms import Catalog

PROJECT_DIR = "project"
STATE_DIR = ".pulumi-state"
LOGS_DIR = "logs"
RETIRED_DIR = "retired"
PROJECT_FILE = "Pulumi.yaml"
BACKEND_ENV = "PULUMI_BACKEND_URL"
PASSPHRASE_ENVS = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")


class SetupError(SkyinfraError):
    """The deployment is not set up the way it must be (a missing setting): exit 2."""

    exit_code = 2


@dataclass(frozen=True)
class Backend:
    url: str
    source: str  # where the URL came from: "--backend", the env variable, or "default"

    @property
    def self_managed(self) -> bool:
        """Not Pulumi Cloud: secrets are encrypted with the passphrase provider."""
        return not self.url.startswith(("https://", "http://"))


@dataclass(frozen=True)
class DeployProject:
    """A compiled project ready to drive: its directory, plan, backend and log directory.
    `previous` is the stack graph of the project this compile replaced (None on a first
    compile): the order in which its stacks that left the plan are destroyed."""

    root: Path
    plan: api.Plan
    backend: Backend
    previous: StackGraph | None = None

    @property
    def project_dir(self) -> Path:
        return self.root / PROJECT_DIR

    @property
    def logs_dir(self) -> Path:
        return self.root / LOGS_DIR

    @property
    def retired_dir(self) -> Path:
        return self.root / RETIRED_DIR


def default_root(spec: Path) -> Path:
    """`dir/sky.yaml` -> `dir/.skyinfra/sky` (the file stem is unique within its directory)."""
    return spec.resolve().parent / ".skyinfra" / spec.stem


def choose_backend(option: str | None, env: Mapping[str, str], root: Path) -> Backend:
    """`--backend`, else `PULUMI_BACKEND_URL`, else a file backend under the deploy root."""
    if option:
        return Backend(_absolute_file_url(option), "--backend")
    if env.get(BACKEND_ENV):
        return Backend(_absolute_file_url(env[BACKEND_ENV]), BACKEND_ENV)
    return Backend(f"file://{(root / STATE_DIR).resolve()}", "default")


def _absolute_file_url(url: str) -> str:
    """`file://state` means ./state to the user; Pulumi would read it from the project dir."""
    if not url.startswith("file://"):
        return url
    path = url.removeprefix("file://")
    if path.startswith(("/", "~")):
        return url
    return f"file://{Path(path).resolve()}"


def check_secrets(backend: Backend, env: Mapping[str, str]) -> None:
    """A self-managed backend needs the passphrase before any stack can be created or read."""
    if not backend.self_managed or any(name in env for name in PASSPHRASE_ENVS):
        return
    raise SetupError(
        f"the state backend {backend.url} encrypts secrets with a passphrase: set "
        "PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE, a file holding it) and keep "
        "it; every later run on these stacks needs the same one (or use Pulumi Cloud: "
        "--backend https://api.pulumi.com after `pulumi login`)"
    )


def prepare(
    spec: Path,
    root: Path,
    backend: Backend,
    catalog: Catalog | None = None,
    plan: api.Plan | None = None,
) -> DeployProject:
    """Compile `spec` (or its `plan`, made and checked beforehand) into `root/project`, the
    settings of stacks leaving the plan set aside, and make sure a file backend's directory
    exists."""
    from skyinfra import api

    project_dir = root / PROJECT_DIR
    plan = plan or api.plan_spec(spec, catalog)
    stacks = set(plan.stack_configs())
    previous = previous_graph(project_dir)
    set_aside_settings(project_dir, root / RETIRED_DIR, stacks)
    api.compile_project(spec, project_dir, catalog, plan)  # keeps Pulumi's own settings
    restore_settings(project_dir, root / RETIRED_DIR, stacks)
    if backend.url.startswith("file://") and not backend.url.startswith("file://~"):
        Path(backend.url.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    return DeployProject(root, plan, backend, previous)


def stack_file(stack: str) -> str:
    return f"Pulumi.{stack}.yaml"


def _stack_files(directory: Path) -> dict[str, Path]:
    """Stack name -> its settings file in `directory` (`Pulumi.yaml` is the project's)."""
    found = {}
    for path in sorted(directory.glob("Pulumi.*.yaml")):
        found[path.name.removeprefix("Pulumi.").removesuffix(".yaml")] = path
    return found


def set_aside_settings(project_dir: Path, retired_dir: Path, stacks: Collection[str]) -> None:
    """Copy the settings file of every stack of the old project that the plan no longer has
    into `retired_dir`, before the recompile drops it."""
    for name, path in _stack_files(project_dir).items():
        if name not in stacks:
            retired_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, retired_dir / path.name)


def restore_settings(project_dir: Path, retired_dir: Path, stacks: Collection[str]) -> None:
    """A stack back in the plan gets what Pulumi had added to its set-aside settings file."""
    from skyinfra.render import kept_stack_settings

    for name, path in _stack_files(retired_dir).items():
        if name not in stacks:
            continue
        target = project_dir / stack_file(name)
        merged = kept_stack_settings(retired_dir, {target.name: target.read_text("utf-8")})
        write_file(target, merged[target.name])
        path.unlink()


def retired_project(project: DeployProject, deployed: Collection[str]) -> Path:
    """The project the retired stacks are destroyed in: `Pulumi.yaml` (its name is how the
    backend finds them) and the set-aside settings of the stacks still `deployed` (files of
    stacks the backend does not hold are dropped)."""
    retired = project.retired_dir
    retired.mkdir(parents=True, exist_ok=True)
    for name, path in _stack_files(retired).items():
        if name not in deployed:
            path.unlink()
    shutil.copyfile(project.project_dir / PROJECT_FILE, retired / PROJECT_FILE)
    return retired


def previous_graph(project_dir: Path) -> StackGraph | None:
    """The stack graph of an already compiled project, None when there is none to read."""
    from skyinfra import api

    if not (project_dir / api.SPEC_FILE).is_file():
        return None
    try:
        return stack_graph(api.load_project_topology(project_dir))
    except (SkyinfraError, OSError, ValueError):  # a project of an older skyinfra: no order
        return None
