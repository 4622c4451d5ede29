"""The JSON Schema of the spec, generated from the pydantic model (`skyinfra schema`).

Editors that speak the YAML language server autocomplete and check a spec whose first line
is `# yaml-language-server: $schema=<path to this schema>`. The repository commits the output
as `schema/skyinfra.schema.json`; a test keeps it equal to what this module generates.
"""

from __future__ import annotations

import json
from typing import Any

from skyinfra.loader import EXTENSION_PREFIX
from skyinfra.spec import Spec

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# A URN, not a URL: the schema is identified, not fetched (editors read the local file).
SCHEMA_ID = "urn:skyinfra:spec:v1"
TITLE = "skyinfra spec"


def spec_schema() -> dict[str, Any]:
    """The schema of a spec document as the loader reads it (aliases such as `from`)."""
    generated = Spec.model_json_schema(by_alias=True, mode="validation")
    generated.pop("title", None)
    # Top-level `x-*` keys are extensions the loader ignores (a place for YAML anchors).
    generated["patternProperties"] = {f"^{EXTENSION_PREFIX}": {}}
    return {"$schema": DIALECT, "$id": SCHEMA_ID, "title": TITLE, **generated}


def schema_text() -> str:
    """`spec_schema()` as stable, indented JSON ending in a newline (the committed file)."""
    return json.dumps(spec_schema(), indent=2, ensure_ascii=False) + "\n"


def modeline(schema_path: str) -> str:
    """The first line that points the YAML language server at the schema file."""
    return f"# yaml-language-server: $schema={schema_path}"
