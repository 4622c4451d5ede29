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

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from skyinfra import api
from skyinfra.catalog import Catalog
from skyinfra.errors import SkyinfraError
from skyinfra.render import write_file

PROJECT_DIR = "project"
STATE_DIR = ".pulumi-state"
LOGS_DIR = "logs"
BACKEND_ENV = "PULUMI_BACKEND_URL"
PASSPHRASE_ENVS = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")
# What Pulumi writes into Pulumi.<stack>.yaml when it creates a stack's secrets manager.
SECRETS_SETTINGS = ("secretsprovider", "encryptedkey", "encryptionsalt")


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
    """Compile `spec` into `root/project` (keeping each stack's secrets settings) and make
    sure a file backend's directory exists."""
    project_dir = root / PROJECT_DIR
    kept = read_secrets_settings(project_dir)
    plan, _ = api.compile_project(spec, project_dir, catalog)
    restore_secrets_settings(project_dir, kept)
    if backend.url.startswith("file://") and not backend.url.startswith("file://~"):
        Path(backend.url.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    return DeployProject(root, plan, backend)


def read_secrets_settings(project_dir: Path) -> dict[str, dict[str, str]]:
    """Stack file name -> the secrets-manager settings Pulumi added to it."""
    found: dict[str, dict[str, str]] = {}
    for path in sorted(project_dir.glob("Pulumi.*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        settings = {
            k: str(data[k]) for k in SECRETS_SETTINGS if isinstance(data, dict) and data.get(k)
        }
        if settings:
            found[path.name] = settings
    return found


def restore_secrets_settings(project_dir: Path, kept: Mapping[str, Mapping[str, str]]) -> None:
    """Append what `read_secrets_settings` found to the recompiled stack files."""
    for name, settings in kept.items():
        path = project_dir / name
        if not path.is_file():  # the stack is gone from the spec
            continue
        text = path.read_text(encoding="utf-8")
        lines = "".join(f"{k}: {json.dumps(v)}\n" for k, v in settings.items())
        write_file(path, text + ("" if text.endswith("\n") else "\n") + lines)
