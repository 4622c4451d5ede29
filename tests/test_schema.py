"""The spec's JSON Schema: generated from the model, committed, and true to the examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from skyinfra.cli import main
from skyinfra.loader import parse_spec
from skyinfra.schema import SCHEMA_ID, modeline, schema_text, spec_schema
from skyinfra.starter import STARTER_SPEC

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "schema" / "skyinfra.schema.json"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
VALID = """\
name: demo
networks: {main: {}}
buckets:
  logs: {size_gb: 10, placement: {cloud: aws, region: us-east-1}}
compute:
  app:
    count: 2
    resources: {cpus: "2+", memory: 8, accelerators: "T4:1"}
flows:
  - {from: logs, to: app, gb_per_month: 5}
"""


def _validator() -> jsonschema.protocols.Validator:
    schema = spec_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_schema_command_prints_the_committed_file() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert result.output == COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "schema/skyinfra.schema.json is stale: run `skyinfra schema > schema/skyinfra.schema.json`"
    )


def test_schema_is_identified_and_described() -> None:
    schema = json.loads(schema_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert (schema["$id"], schema["title"]) == (SCHEMA_ID, "skyinfra spec")
    assert schema["description"].startswith("The whole user-facing description")
    assert schema["$defs"]["Bucket"]["description"].startswith("Object storage")
    supernet = schema["$defs"]["Peering"]["properties"]["supernet"]
    assert supernet["description"].startswith("Where `cidr: auto` networks get their /16s")
    assert schema["required"] == ["name"] and schema["additionalProperties"] is False
    # a flow's source is spelled `from` in a spec, as the loader reads it
    assert set(schema["$defs"]["Flow"]["required"]) == {"from", "to", "gb_per_month"}


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_names_and_satisfies_the_schema(example: Path) -> None:
    text = example.read_text(encoding="utf-8")
    assert text.splitlines()[0] == modeline("../schema/skyinfra.schema.json")
    assert (example.parent / "../schema/skyinfra.schema.json").resolve() == COMMITTED
    _validator().validate(yaml.safe_load(text))


def test_the_starter_spec_satisfies_the_schema() -> None:
    _validator().validate(yaml.safe_load(STARTER_SPEC))


WRONG: list[tuple[str, dict[str, Any]]] = [
    ("unknown top-level key", {"name": "x", "nam": "y"}),
    ("missing name", {"networks": {"main": {}}}),
    ("bad name", {"name": "Demo_1"}),
    ("count below 1", {"name": "x", "compute": {"app": {"count": 0}}}),
    ("unknown compute key", {"name": "x", "compute": {"app": {"cuont": 2}}}),
    ("bad quantity", {"name": "x", "compute": {"app": {"resources": {"cpus": "lots"}}}}),
    ("port out of range", {"name": "x", "compute": {"app": {"ports": [70000]}}}),
    ("flow without volume", {"name": "x", "flows": [{"from": "a", "to": "b"}]}),
    ("unknown peering mode", {"name": "x", "peering": {"mode": "carrier-pigeon"}}),
    ("extension key below the top", {"name": "x", "compute": {"app": {"x-note": 1}}}),
]


def test_the_valid_document_passes() -> None:
    _validator().validate(yaml.safe_load(VALID))


@pytest.mark.parametrize(("why", "document"), WRONG, ids=[w for w, _ in WRONG])
def test_a_wrong_document_fails_validation(why: str, document: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(document)


def test_schema_and_loader_agree_on_the_valid_document() -> None:
    spec = parse_spec(VALID)
    assert spec.compute["app"].count == 2 and spec.flows[0].source == "logs"


EXTENDED = """\
name: demo
x-defaults: &vm
  count: 2
  resources: {cpus: "2+"}
networks: {main: {}}
compute:
  app:
    <<: *vm
    count: 3
"""


def test_top_level_extension_keys_pass_the_schema_and_the_loader_ignores_them() -> None:
    _validator().validate(yaml.safe_load(EXTENDED))
    app = parse_spec(EXTENDED).compute["app"]
    assert (app.count, str(app.resources.cpus)) == (3, "2+")
