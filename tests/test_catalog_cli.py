"""`skyinfra catalog info|find`: JSON shapes, sorting and filters, exit codes for bad flags."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from skyinfra.cli import main

SKYPILOT_HEADER = (
    "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,"
    "Region,AvailabilityZone\n"
)


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["catalog", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def find_json(*args: str) -> dict[str, Any]:
    code, out, err = invoke("find", "--json", *args)
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def user_catalog(tmp_path: Path) -> Path:
    (tmp_path / "aws").mkdir()
    (tmp_path / "aws" / "vms.csv").write_text(
        SKYPILOT_HEADER + "c5.large,,,2,4,,0.085,0.03,us-east-1,a\n", encoding="utf-8"
    )
    return tmp_path


# -- info -------------------------------------------------------------------------------------


def test_info_json_has_snapshot_sources_and_counts() -> None:
    code, out, _ = invoke("info", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["snapshot"] == "2026-11-24"
    assert doc["user_catalog"] is None
    counts = {c: (v["regions"], v["offers"]) for c, v in doc["clouds"].items()}
    assert counts["aws"] == (23, 17035)
    assert counts["gcp"][0] == 44 and counts["azure"][0] == 58
    assert counts["gcp"][1] > 11_000 and counts["azure"][1] > 50_000
    assert doc["network"]["snapshot"] == "2026-11-24"
    assert set(doc["network"]["sources"]) == {
        "skypilot",
        "skyplane",
        "storage",
        "vpn",
        "topology",
        "services",
        "interconnect",
    }
    assert doc["geo"]["file"] == "bundled geo.json" and doc["geo"]["regions"] >= 125


def test_info_json_composes_each_link_from_both_clouds_sides() -> None:
    code, out, _ = invoke("info", "--json")
    assert code == 0
    vpn = json.loads(out)["network"]["vpn"]
    aws = vpn["sides"]["aws"]
    assert aws["per_link"] == [
        {
            "item": "vpn_connection",
            "unit": "Site-to-Site VPN connection",
            "tunnels_each": 2,
            "per_hour": 0.05,
            "confidence": "unverified",
        }
    ]
    assert vpn["sides"]["azure"]["gateway_monthly_cost"] == 146.0
    links = {tuple(x["clouds"]): x for x in vpn["links"]}
    assert set(links) == {("aws", "gcp"), ("aws", "azure"), ("gcp", "azure")}
    aws_gcp = links[("aws", "gcp")]
    assert (aws_gcp["kind"], aws_gcp["tunnels"], aws_gcp["monthly_cost"]) == ("HA VPN", 4, 219.0)
    assert aws_gcp["uses"] == {"aws": {"vpn_connection": 2}, "gcp": {"ha_vpn_tunnel": 4}}
    assert links[("gcp", "azure")]["composition"] == (
        "2 azure site-to-site connections, 2 gcp HA VPN tunnels"
    )


def test_info_says_when_a_user_catalog_is_in_use(tmp_path: Path) -> None:
    directory = user_catalog(tmp_path)
    code, out, _ = invoke("info", "--json", env={"SKYINFRA_CATALOG": str(directory)})
    assert code == 0
    doc = json.loads(out)
    assert doc["user_catalog"] == str(directory)
    assert doc["snapshot"] == "unknown"
    assert doc["clouds"]["aws"]["offers"] == 1
    assert doc["clouds"]["aws"]["from"] == f"user catalog {directory}"
    assert doc["clouds"]["aws"]["snapshot"] == "unknown"
    assert doc["clouds"]["gcp"]["offers"] > 11_000
    assert (doc["clouds"]["gcp"]["from"], doc["clouds"]["gcp"]["snapshot"]) == (
        "bundled",
        "2026-11-24",
    )
    assert doc["network"]["file"] == "bundled network.json"
    code, out, _ = invoke("info", env={"SKYINFRA_CATALOG": str(directory)})
    assert code == 0
    text = " ".join(out.split())
    assert (
        f"VM prices: aws from user catalog {directory} (snapshot unknown); "
        "gcp, azure bundled (snapshot 2026-11-24)"
    ) in text


def test_info_text() -> None:
    code, out, _ = invoke("info")
    assert code == 0
    assert "VM prices: aws, gcp, azure bundled (snapshot 2026-11-24)" in out
    assert "network prices: bundled network.json, snapshot 2026-11-24" in out
    assert "aws coverage: current-generation families" in out
    text = " ".join(out.split())  # the console may wrap long lines at spaces ($COLUMNS)
    assert "aws regions without prices (23): ap-east-2, ap-south-2, " in text
    assert "gcp regions without prices" not in text
    assert "aws side: 1 Site-to-Site VPN connection per 2 tunnels ($0.050/h, unverified)" in text
    assert "gcp side: 1 HA VPN tunnel per tunnel ($0.050/h, unverified)" in text
    assert "2 Standard public IPs ($0.005/h, unverified): $146.00/month" in text
    assert (
        "aws <-> azure: VPN (active-active), 4 tunnels = 2 aws Site-to-Site VPN connections, "
        "4 azure site-to-site connections: $73.00/month"
    ) in text


# -- find -------------------------------------------------------------------------------------


def test_find_json_lists_the_cheapest_offers_first() -> None:
    doc = find_json("--accelerators", "A100:8", "--limit", "3")
    assert doc["matches"] == 27
    assert doc["query"] == {
        "accelerators": "A100:8",
        "cpus": None,
        "memory": None,
        "spot": False,
        "clouds": ["aws", "gcp", "azure"],
        "geo": [],
    }
    offers = doc["offers"]
    assert len(offers) == 3
    assert [o["hourly_cost"] for o in offers] == sorted(o["hourly_cost"] for o in offers)
    assert offers[0] == {
        "cloud": "gcp",
        "region": "europe-west4",
        "geo": ["eu", "europe"],
        "instance_type": "a2-highgpu-8g",
        "vcpus": 96.0,
        "memory_gib": 680.0,
        "accelerators": "A100:8",
        "hourly_cost": pytest.approx(19.4217),
        "monthly_cost": 14177.84,  # 19.4217 x 730
    }


def test_find_h100_8_on_aws_lists_p5() -> None:
    doc = find_json("-a", "H100:8", "--cloud", "aws", "--limit", "0")
    assert {o["instance_type"] for o in doc["offers"]} == {"p5.48xlarge"}
    # aws_vms.csv: p5.48xlarge 55.04 $/h in us-east-1, us-east-2 and us-west-2.
    assert doc["offers"][0]["hourly_cost"] == pytest.approx(55.04)
    code, out, _ = invoke("find", "-a", "H100:8", "--cloud", "aws")
    assert code == 0 and "p5.48xlarge" in out


@pytest.mark.parametrize(
    ("request_", "family"),
    [("A10G:1", "g5."), ("L40S:1", "g6e."), ("H200:8", "p5en."), ("B200:8", "p6-b200.")],
)
def test_find_new_aws_gpu_families(request_: str, family: str) -> None:
    offers = find_json("-a", request_, "--cloud", "aws", "--limit", "1")["offers"]
    assert offers[0]["instance_type"].startswith(family)


def test_find_inferentia_and_trainium_by_name_in_any_case() -> None:
    offers = find_json("-a", "inferentia2:1", "--cloud", "aws", "--limit", "1")["offers"]
    assert offers[0]["instance_type"] == "inf2.xlarge"
    assert offers[0]["accelerators"] == "Inferentia2:1"
    trainium = find_json("-a", "trainium:16", "--cloud", "aws", "--limit", "1")["offers"]
    assert trainium[0]["instance_type"].startswith("trn1")


def test_find_filters_by_cloud_and_geo() -> None:
    doc = find_json("-a", "A100:8", "--cloud", "azure", "--geo", "eu", "--limit", "0")
    assert doc["offers"] and len(doc["offers"]) == doc["matches"]
    assert {o["cloud"] for o in doc["offers"]} == {"azure"}
    assert all("eu" in o["geo"] for o in doc["offers"])


def test_find_spot_ranks_by_spot_price() -> None:
    on_demand = find_json("--cpus", "8+", "--memory", "32+", "--geo", "ch", "--limit", "0")
    spot = find_json("--cpus", "8+", "--memory", "32+", "--geo", "ch", "--limit", "0", "--spot")
    assert spot["matches"] <= on_demand["matches"]
    costs = [o["hourly_cost"] for o in spot["offers"]]
    assert costs == sorted(costs)
    assert costs[0] < on_demand["offers"][0]["hourly_cost"]


def test_find_table() -> None:
    code, out, _ = invoke("find", "-a", "A100:8", "--geo", "eu")
    assert code == 0
    assert "a2-highgpu-8g" in out and "europe-west4" in out
    assert "14,177.84" in out
    assert "6 of 6 matching offers; snapshot 2026-11-24" in out


def test_find_without_matches_says_so() -> None:
    code, out, _ = invoke("find", "-a", "A100:3")
    assert code == 0
    assert "no offer matches accelerators=A100:3" in out


def test_find_reads_a_user_catalog(tmp_path: Path) -> None:
    directory = str(user_catalog(tmp_path))
    doc = find_json("--cpus", "2", "--cloud", "aws", "--catalog", directory)
    assert [(o["cloud"], o["instance_type"]) for o in doc["offers"]] == [("aws", "c5.large")]
    # GCP and Azure keep their bundled parts.
    doc = find_json("--cpus", "2", "--cloud", "gcp", "--limit", "1", "--catalog", directory)
    assert doc["matches"] > 0 and doc["offers"][0]["cloud"] == "gcp"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cloud", "awz"), "unknown cloud 'awz' (did you mean 'aws'?)"),
        (("--geo", "ue"), "unknown geo 'ue' (did you mean 'eu'?)"),
        (("--geo", "atlantis"), "unknown geo 'atlantis' (known: ae, af, asia"),
        (("-a", "A100:x"), "'A100:x' is not an accelerator request"),
        (("-a", "A100:0"), "accelerator count must be at least 1"),
        (("-a", "A1000:8"), "no accelerator 'A1000' in the catalog (did you mean 'A100'?)"),
        (("--cpus", "many"), "'many' is not a quantity"),
        (("--limit", "-1"), "-1 is not in the range x>=0"),
    ],
)
def test_bad_flags_exit_2_with_a_clear_message(args: tuple[str, ...], message: str) -> None:
    code, out, err = invoke("find", *args)
    assert code == 2
    assert out == ""
    assert message in err


def test_a_broken_user_catalog_exits_2(tmp_path: Path) -> None:
    code, _, err = invoke("info", "--catalog", str(tmp_path))
    assert code == 2
    assert "no catalog file found" in err


def test_the_module_imports_on_its_own() -> None:
    # skyinfra.cli imports this module at its end; importing it first must work too.
    script = (
        "import skyinfra.cli.catalog; from skyinfra.cli import main; print(sorted(main.commands))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    assert "catalog" in out


def test_find_lists_cloud_tpu_slices_by_their_tpu_api_type() -> None:
    doc = find_json("--accelerators", "tpu-v6e-8")
    offers = doc["offers"]
    assert offers and {o["cloud"] for o in offers} == {"gcp"}
    assert {o["instance_type"] for o in offers} == {"v6e-8"}
    assert offers[0]["hourly_cost"] == 21.6
    # asia-east1 lists v6e only at a placeholder price: not an offer on demand.
    assert "asia-east1" not in {o["region"] for o in offers}
