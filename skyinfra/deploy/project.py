"""The deploy directory of a spec, its state backend and its secrets provider.

Layout (default `<spec dir>/.skyinfra/<spec file stem>/`, or `-o DIR`):

```
DIR/project/        the compiled Pulumi project (`skyinfra compile`; rewritten on every run)
DIR/.pulumi-state/  the local state backend, when no other is chosen
DIR/logs/           the full Pulumi output of each stack's last operation
```

The state lives beside the project, not in it: a compile replaces the project directory
atomically and must never take the state with it. What Pulumi adds to a stack's settings file
(the passphrase provider's `encryptionsalt`, a KMS `encryptedkey`) is carried over across
recompiles, since without it the stack's secrets cannot be decrypted.

Backend: `--backend URL`, else `PULUMI_BACKEND_URL`, else `file://DIR/.pulumi-state`, so a first
run needs no account. Every backend but Pulumi Cloud (`https://...`) encrypts secrets with a
passphrase: `PULUMI_CONFIG_PASSPHRASE` or `PULUMI_CONFIG_PASSPHRASE_FILE` must be set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from skyinfra.errors import SkyinfraError

if TYPE_CHECKING:  # planning loads pydantic and numpy: on use, not for `skyinfra --help`
    from skyinfra import api
    from skyinfra.catalog import Catalog

PROJECT_DIR = "project"
STATE_DIR = ".pulumi-state"
LOGS_DIR = "logs"
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
    """A compiled project ready to drive: its directory, plan, backend and log directory."""

    root: Path
    plan: api.Plan
    backend: Backend

    @property
    def project_dir(self) -> Path:
        return self.root / PROJECT_DIR

    @property
    def logs_dir(self) -> Path:
        return self.root / LOGS_DIR


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
    spec: Path, root: Path, backend: Backend, catalog: Catalog | None = None
) -> DeployProject:
    """Compile `spec` into `root/project` and make sure a file backend's directory exists."""
    from skyinfra import api

    project_dir = root / PROJECT_DIR
    plan, _ = api.compile_project(spec, project_dir, catalog)  # keeps Pulumi's own settings
    if backend.url.startswith("file://") and not backend.url.startswith("file://~"):
        Path(backend.url.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    return DeployProject(root, plan, backend)
