"""Compare the generated schema with a real ``terraform providers schema -json`` for the types the stacks use.

``python -m scripts.tf_standin.compare <real schema.json> <cdk.tf.json>...``: one line per difference (attribute
missing or extra, type, required/optional/computed, nesting mode, min/max items), then a summary. docs/testing.md
("Terraform validate and plan") states the result of the one comparison made (AWS provider v6.25.0).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from . import schema as schema_module

_FLAGS = ("required", "optional", "computed")


def compare_block(path: str, generated: dict[str, Any], real: dict[str, Any]) -> list[str]:
    out = []
    gen_attrs, real_attrs = generated.get("attributes", {}), real.get("attributes", {})
    for name in sorted(set(gen_attrs) | set(real_attrs)):
        where = f"{path}.{name}"
        if name not in gen_attrs or name not in real_attrs:
            out.append(f"{where}: {'missing' if name not in gen_attrs else 'extra'} attribute")
            continue
        g, r = gen_attrs[name], real_attrs[name]
        if g.get("type") != r.get("type") or ("nested_type" in g) != ("nested_type" in r):
            out.append(f"{where}: type {g.get('type', 'nested')} != real {r.get('type', 'nested')}")
        flags = [f for f in _FLAGS if bool(g.get(f)) != bool(r.get(f))]
        if flags:
            mine, theirs = [f for f in _FLAGS if g.get(f)], [f for f in _FLAGS if r.get(f)]
            out.append(f"{where}: {'/'.join(flags)} differ ({mine} vs real {theirs})")
    gen_blocks, real_blocks = generated.get("block_types", {}), real.get("block_types", {})
    for name in sorted(set(gen_blocks) | set(real_blocks)):
        where = f"{path}.{name}"
        if name not in gen_blocks or name not in real_blocks:
            out.append(f"{where}: {'missing' if name not in gen_blocks else 'extra'} block")
            continue
        g, r = gen_blocks[name], real_blocks[name]
        for key in ("nesting_mode", "min_items", "max_items"):
            if g.get(key, 0) != r.get(key, 0):
                out.append(f"{where}: {key} {g.get(key, 0)} != real {r.get(key, 0)}")
        out += compare_block(where, g["block"], r["block"])
    return out


def main(argv: list[str]) -> int:
    real = json.loads(Path(argv[0]).read_text())
    real = real.get("provider_schemas", {}).get("registry.terraform.io/hashicorp/aws", real)
    generated = schema_module.load(schema_module.cached_schema())
    used: set[tuple[str, str]] = set()
    for stack_path in argv[1:]:
        stack = json.loads(Path(stack_path).read_text())
        used |= {("resource_schemas", t) for t in stack.get("resource", {})}
        used |= {("data_source_schemas", t) for t in stack.get("data", {})}
    differences = []
    for kind, tf_type in sorted(used):
        if tf_type not in real[kind]:
            differences.append(f"{tf_type}: not in the real schema given")
            continue
        differences += compare_block(tf_type, generated[kind][tf_type]["block"], real[kind][tf_type]["block"])
    print("\n".join(differences))
    print(f"{len(used)} types compared, {len(differences)} differences")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
