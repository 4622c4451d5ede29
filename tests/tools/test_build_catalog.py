"""`tools/build_catalog.py`: deterministic output, the AWS arch column kept, names a spec can use."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "build_catalog.py"
HEADER = (
    "cloud,region,zone,instance_type,vcpus,memory_gib,accelerator,accelerator_count,"
    "price_hour,spot_price_hour"
)


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_catalog", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def snapshot(root: Path) -> Path:
    root.mkdir()
    (root / "aws_vms.csv").write_text(
        f"{HEADER},arch\n"
        "aws,us-east-1,,m7g.large,2,8,,,0.0816,0.03,arm64\n"
        "aws,us-east-1,,g7e.2xlarge,8,64,RTX PRO 4500,1,2.1,,x86_64\n"
        "aws,af-south-1,,c5.large,2,4,,,0.114,,x86_64\n",
        encoding="utf-8",
    )
    for cloud in ("gcp", "azure"):
        (root / f"{cloud}_vms.csv").write_text(
            f"{HEADER}\n{cloud},r1,,t1,2,4,,,0.1,\n", encoding="utf-8"
        )
    return root


def rows(path: Path) -> list[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.reader(io.StringIO(handle.read())))


def test_a_rebuild_is_byte_identical(tool: ModuleType, tmp_path: Path) -> None:
    source = snapshot(tmp_path / "snapshot")
    tool.build(source, tmp_path / "a")
    tool.build(source, tmp_path / "b")
    for name in ("aws.csv.gz", "gcp.csv.gz", "azure.csv.gz"):
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes()
        assert first[4:8] == b"\0\0\0\0"  # gzip mtime pinned


def test_aws_keeps_its_arch_column_and_names_lose_spaces(tool: ModuleType, tmp_path: Path) -> None:
    clouds = tool.build(snapshot(tmp_path / "snapshot"), tmp_path / "out")
    aws = rows(tmp_path / "out" / "aws.csv.gz")
    assert aws[0][-1] == "arch"
    assert aws[1:] == [  # sorted by region, then type
        ["af-south-1", "c5.large", "2", "4", "", "", "0.114", "", "x86_64"],
        ["us-east-1", "g7e.2xlarge", "8", "64", "RTXPRO4500", "1", "2.1", "", "x86_64"],
        ["us-east-1", "m7g.large", "2", "8", "", "", "0.0816", "0.03", "arm64"],
    ]
    assert rows(tmp_path / "out" / "gcp.csv.gz")[0] == tool.HEADER  # no arch column there
    assert (clouds["aws"]["rows"], clouds["aws"]["regions"]) == (3, 2)


def test_the_default_snapshot_is_found_beside_a_parent_of_the_checkout(tool: ModuleType) -> None:
    found = tool.default_snapshot()
    assert found.parts[-2:] == ("shared", "catalog")
    assert tool.ROOT.is_relative_to(found.parent.parent)


def test_the_bundled_data_is_what_the_snapshot_builds(tool: ModuleType, tmp_path: Path) -> None:
    source = tool.default_snapshot()
    if not source.is_dir():
        pytest.skip(f"no price snapshot at {source}")
    tool.build(source, tmp_path)
    for name in ("aws.csv.gz", "gcp.csv.gz", "azure.csv.gz"):
        assert (tmp_path / name).read_bytes() == (tool.OUT / name).read_bytes(), name
