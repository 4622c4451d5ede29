"""Every registered cloud runs the whole `CloudContract` (the `cloud` fixture, conftest.py)."""

from __future__ import annotations

from pathlib import Path

from skyinfra.clouds import cloud_names, get_cloud
from tests.clouds.contract import CloudContract

CLOUDS = Path(__file__).resolve().parents[2] / "skyinfra" / "clouds"


class TestCloudContract(CloudContract):
    """Binds the abstract suite: collected once per name in `cloud_names()`."""


def test_every_cloud_package_is_registered_under_its_name() -> None:
    """The registry lists exactly the packages of skyinfra/clouds/, each under its own name,
    so no cloud escapes the contract."""
    packages = {p.parent.name for p in CLOUDS.glob("*/__init__.py")}
    assert set(cloud_names()) == packages
    for name in cloud_names():
        assert type(get_cloud(name)).__module__ == f"skyinfra.clouds.{name}"
