"""Reading one generated provider module: its TypeScript source, ``ToHclTerraform`` tables and classes.

What each piece of the source says is described in ``schema.py``; this module only collects it, per Terraform
name, into a ``ParsedModule`` that ``schema_blocks`` turns into schema blocks.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

_SOURCE_MAP = re.compile(r"sourceMappingURL=data:application/json;base64,([A-Za-z0-9+/=]+)")
_CLASS = re.compile(r"^(?:export )?class (\w+) extends (?:cdktf|cdktn)\.(\w+)", re.MULTILINE)
_HCL_FUNCTION = re.compile(r"^(?:export )?function (\w+)ToHclTerraform\(", re.MULTILINE)
_HCL_TABLE_START = re.compile(r"const attrs = \{")
_HCL_ENTRY = re.compile(
    r"(\w+): \{\s*value: (.*?),\s*isBlock: (true|false),\s*type: \"(\w+)\",\s*storageClassType: \"(\w+)\",\s*\}",
    re.DOTALL,
)
_FLAGS = re.compile(r"// (\w+) - computed: (true|false), optional: (true|false), required: (true|false)")
_RESOURCE_TYPE = re.compile(r"tfResourceType = \"(\w+)\"")
_GETTER = re.compile(r"this\.get(\w*?)Attribute\('(\w+)'\)")
_TOLIST = re.compile(r"(?:cdktf|cdktn)\.Fn\.tolist\(this\.get(\w*?)Attribute\('(\w+)'\)")
_COMPLEX = re.compile(r"new (\w+?)(OutputReference|List|Map)\(this, \"(\w+)\"(?:, (true|false))?\)")
_SCALAR_MAP = re.compile(r"new (?:cdktf|cdktn)\.(String|Number|Boolean)Map\(this, \"(\w+)\"\)")

SCALARS = {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic"}
_GETTER_TYPES = {
    "String": "string",
    "Number": "number",
    "Boolean": "bool",
    "List": ["list", "string"],
    "NumberList": ["list", "number"],
    "StringMap": ["map", "string"],
    "NumberMap": ["map", "number"],
    "BooleanMap": ["map", "bool"],
    "AnyMap": ["map", "dynamic"],
}


class SchemaError(RuntimeError):
    """The provider package does not have the shape this generator reads."""


@dataclass
class HclEntry:
    """One row of a ``ToHclTerraform`` table."""

    name: str
    value: str
    is_block: bool
    kind: str  # simple | list | set | map | struct
    storage: str


@dataclass
class FieldInfo:
    """What a generated class says about one Terraform name."""

    flags: tuple[bool, bool, bool] | None = None  # computed, optional, required
    getter: Any = None  # cty type of a computed-only scalar/collection
    complex: tuple[str, str, bool] | None = None  # (struct base, OutputReference|List|Map, is_set)


@dataclass
class ParsedModule:
    hcl: dict[str, list[HclEntry]] = field(default_factory=dict)  # function base ("lambdaFunctionVpcConfig") -> rows
    classes: dict[str, dict[str, FieldInfo]] = field(default_factory=dict)  # class name -> fields in order
    roots: list[tuple[str, str, str]] = field(default_factory=list)  # (class, TerraformResource|..., tf type)


def module_source(javascript: str) -> str:
    """The generated TypeScript embedded in ``javascript``'s inline source map, else the JavaScript itself."""
    match = _SOURCE_MAP.search(javascript)
    if match:
        sources = json.loads(base64.b64decode(match.group(1))).get("sourcesContent") or []
        if sources and sources[0]:
            return sources[0]
    return javascript


def _hcl_table(text: str, start: int) -> list[HclEntry]:
    table = _HCL_TABLE_START.search(text, start)
    if table is None:
        raise SchemaError(f"no `const attrs = {{` after offset {start}")
    depth, stop = 1, table.end()
    while depth:
        nxt = min(i for i in (text.find("{", stop), text.find("}", stop)) if i != -1)
        depth += 1 if text[nxt] == "{" else -1
        stop = nxt + 1
    return [
        HclEntry(m.group(1), m.group(2), m.group(3) == "true", m.group(4), m.group(5))
        for m in _HCL_ENTRY.finditer(text, table.end(), stop)
    ]


def _class_fields(body: str) -> dict[str, FieldInfo]:
    fields: dict[str, FieldInfo] = {}
    marks = list(_FLAGS.finditer(body))
    for i, mark in enumerate(marks):
        name = mark.group(1)
        segment = body[mark.end() : marks[i + 1].start() if i + 1 < len(marks) else len(body)]
        entry = fields.setdefault(name, FieldInfo())
        entry.flags = (mark.group(2) == "true", mark.group(3) == "true", mark.group(4) == "true")
        _read_accessors(segment, name, entry)
    # getters of names without a flags comment (provider class)
    for match in _GETTER.finditer(body):
        if match.group(2) not in fields:
            name = match.group(2)
            _read_accessors(body[match.start() - 40 : match.end() + 1], name, fields.setdefault(name, FieldInfo()))
    return fields


def _read_accessors(segment: str, name: str, entry: FieldInfo) -> None:
    tolist = _TOLIST.search(segment)
    getter = _GETTER.search(segment)
    complex_ = _COMPLEX.search(segment)
    scalar_map = _SCALAR_MAP.search(segment)
    if complex_ and complex_.group(3) == name:
        entry.complex = (complex_.group(1), complex_.group(2), complex_.group(4) == "true")
    elif scalar_map and scalar_map.group(2) == name:
        entry.getter = ["map", SCALARS[scalar_map.group(1).lower()]]
    elif tolist and tolist.group(2) == name:
        kind = _GETTER_TYPES.get(tolist.group(1))
        entry.getter = ["set", kind[1]] if isinstance(kind, list) else kind
    elif getter and getter.group(2) == name:
        entry.getter = _GETTER_TYPES.get(getter.group(1), "dynamic")


def parse_module(source: str) -> ParsedModule:
    """Every ``ToHclTerraform`` table and every generated class (with its fields) of one module."""
    module = ParsedModule()
    for match in _HCL_FUNCTION.finditer(source):
        module.hcl[match.group(1)] = _hcl_table(source, match.end())
    classes = list(_CLASS.finditer(source))
    for i, match in enumerate(classes):
        body = source[match.end() : classes[i + 1].start() if i + 1 < len(classes) else len(source)]
        module.classes[match.group(1)] = _class_fields(body)
        if match.group(2) in ("TerraformResource", "TerraformDataSource", "TerraformProvider"):
            rtype = _RESOURCE_TYPE.search(body)
            synth = body.find("synthesizeHclAttributes()")
            if rtype is None or synth == -1:
                raise SchemaError(f"class {match.group(1)} has no tfResourceType or synthesizeHclAttributes")
            module.hcl["__root__" + match.group(1)] = _hcl_table(body, synth)
            module.roots.append((match.group(1), match.group(2), rtype.group(1)))
    return module
