"""`Graph` -> Mermaid `flowchart` text, for READMEs and anything that renders Mermaid.

Mermaid ids must be plain words (and some words, such as `end`, are keywords), so every node
and subgraph gets a generated id (`n_<name>`, `c_<name>`, unique); labels are quoted with
Mermaid's entity codes for characters its parser or its HTML labels would read.
"""

from __future__ import annotations

import json
import re

from skyinfra.graph.model import Cluster, Graph, Node
from skyinfra.peering.modes import all_modes, mode_named

# Arrow and style of the edges that are not links (links join networks both ways, flows
# and replications point); a link's are its mode's (`peering.modes`, `edge`).
ARROWS = {
    "global": "-.-",
    "flow": "-->",
    "replication": "-.->",
}
LINK_STYLES = {
    "global": "stroke:#7f7f7f",
    "flow": "stroke:#404040",
    "replication": "stroke:#c55a11",
}
# Replaced in this order: `#` first, since the other replacements introduce it.
ENTITIES: tuple[tuple[str, str], ...] = (
    ("#", "#35;"),
    ('"', "#quot;"),
    ("<", "#lt;"),
    (">", "#gt;"),
    ("&", "#amp;"),
    ("`", "#96;"),
    ("|", "#124;"),
)


def to_mermaid(graph: Graph) -> str:
    """The Mermaid text of `graph` (deterministic: the model is sorted)."""
    ids = _ids(graph)
    lines = ["---", f"title: {json.dumps(graph.title)}", "---", "flowchart TB"]
    for cluster in graph.children(None):
        lines += _subgraph(graph, cluster, ids, "  ")
    for edge in graph.edges:
        label = _label(edge.lines)
        arrow = ARROWS.get(edge.kind) or mode_named(edge.kind).edge.arrow
        lines.append(f'  {ids[edge.source]} {arrow}|"{label}"| {ids[edge.target]}')
    for kind, style in _link_styles().items():
        indexes = [str(i) for i, e in enumerate(graph.edges) if e.kind == kind]
        if indexes:
            lines.append(f"  linkStyle {','.join(indexes)} {style}")
    for node_kind, node_style in graph.styles.items():
        members = [ids[n.id] for n in graph.nodes if n.kind == node_kind]
        if members:
            lines += [
                f"  classDef {node_kind} {node_style.mermaid_class}",
                f"  class {','.join(members)} {node_kind}",
            ]
    return "\n".join(lines) + "\n"


def _link_styles() -> dict[str, str]:
    """`linkStyle` per edge kind: every link mode's (registry order), then the table's."""
    return {**{m.name: m.edge.mermaid for m in all_modes()}, **LINK_STYLES}


def escape(text: str) -> str:
    """`text` safe inside a quoted Mermaid label."""
    for char, entity in ENTITIES:
        text = text.replace(char, entity)
    return text


def _label(lines: tuple[str, ...]) -> str:
    return "<br/>".join(escape(line) for line in lines)


def _ids(graph: Graph) -> dict[str, str]:
    """Model id -> a unique Mermaid id made of letters, digits and `_`."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    named = [("c", c.id) for c in graph.clusters] + [("n", n.id) for n in graph.nodes]
    for prefix, model_id in named:
        base = f"{prefix}_" + re.sub(r"[^A-Za-z0-9]+", "_", model_id).strip("_")
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        ids[model_id] = candidate
        taken.add(candidate)
    return ids


def _subgraph(graph: Graph, cluster: Cluster, ids: dict[str, str], indent: str) -> list[str]:
    inner = indent + "  "
    lines = [f'{indent}subgraph {ids[cluster.id]}["{escape(cluster.label)}"]']
    lines += [f"{inner}{_node(graph, n, ids)}" for n in graph.nodes_in(cluster.id)]
    for child in graph.children(cluster.id):
        lines += _subgraph(graph, child, ids, inner)
    lines.append(f"{indent}end")
    return lines


def _node(graph: Graph, node: Node, ids: dict[str, str]) -> str:
    opening, closing = graph.styles[node.kind].mermaid_shape
    return f"{ids[node.id]}{opening}{_label(node.lines)}{closing}"
