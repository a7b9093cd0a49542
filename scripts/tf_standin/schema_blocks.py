"""Terraform schema blocks (attributes, nested blocks, computed types) from a parsed provider module."""

from __future__ import annotations

import re
from typing import Any

from .schema_source import SCALARS, FieldInfo, HclEntry, ParsedModule, SchemaError, parse_module

_REFERENCED_STRUCT = re.compile(r"(\w+)ToHclTerraform")


class _RecursiveStructError(Exception):
    """A struct that contains itself (cdktn's wafv2 statements): served as a ``dynamic`` attribute."""


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _upper_first(name: str) -> str:
    return name[:1].upper() + name[1:]


def _collection_type(entry: HclEntry) -> Any:
    storage = entry.storage
    if entry.kind == "simple":
        return SCALARS[storage]
    outer = {"list": "list", "set": "set", "map": "map"}[entry.kind]
    # "stringList", "stringListList", "stringMap", "stringMapMap", "stringMapList": innermost first
    parts = re.findall(r"[a-z]+|[A-Z][a-z]+", storage)
    element: Any = SCALARS[parts[0]]
    for part in parts[1:-1]:
        element = [part.lower(), element]
    return [outer, element]


def _has_dynamic(value: Any) -> bool:
    if value == "dynamic":
        return True
    if isinstance(value, list):
        return any(_has_dynamic(v) for v in value)
    if isinstance(value, dict):
        return any(_has_dynamic(v) for v in value.values())
    return False


class _Builder:
    def __init__(self, module: ParsedModule, where: str) -> None:
        self.module = module
        self.where = where
        self.open: list[str] = []

    def block(self, entries: list[HclEntry], fields: dict[str, FieldInfo]) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        block_types: dict[str, Any] = {}
        seen = set()
        for entry in entries:
            seen.add(entry.name)
            flags = fields.get(entry.name, FieldInfo()).flags or (False, True, False)
            try:
                if entry.is_block:
                    block_types[entry.name] = self.nested_block(entry, flags)
                else:
                    attributes[entry.name] = self.attribute(entry, flags)
            except _RecursiveStructError:
                attributes[entry.name] = {"type": "dynamic", **self._flag_dict(flags)}
        for name, info in fields.items():
            if name in seen or info.flags is None or not info.flags[0] or info.flags[1] or info.flags[2]:
                continue
            attributes[name] = {"type": self.computed_type(info), "computed": True}
        block: dict[str, Any] = {}
        if attributes:
            block["attributes"] = attributes
        if block_types:
            block["block_types"] = block_types
        return block

    @staticmethod
    def _flag_dict(flags: tuple[bool, bool, bool]) -> dict[str, bool]:
        computed, optional, required = flags
        out = {}
        if required:
            out["required"] = True
        if optional:
            out["optional"] = True
        if computed:
            out["computed"] = True
        return out or {"optional": True}

    def struct(self, base: str) -> dict[str, Any]:
        entries = self.module.hcl.get(_lower_first(base))
        fields = self.module.classes.get(base + "OutputReference")
        if entries is None and fields is None:
            raise SchemaError(f"{self.where}: no table or class for struct {base}")
        if base in self.open:
            raise _RecursiveStructError(base)
        self.open.append(base)
        try:
            return self.block(entries or [], fields or {})
        finally:
            self.open.pop()

    def _struct_of(self, entry: HclEntry) -> str:
        match = _REFERENCED_STRUCT.search(entry.value)
        if match is None:
            raise SchemaError(f"{self.where}: {entry.name} names no struct ({entry.value})")
        return _upper_first(match.group(1))

    def nested_block(self, entry: HclEntry, flags: tuple[bool, bool, bool]) -> dict[str, Any]:
        block = self.struct(self._struct_of(entry))
        nesting = {"list": "list", "set": "set", "struct": "single", "map": "map"}[entry.kind]
        if nesting == "set" and _has_dynamic(block):
            nesting = "list"  # Terraform refuses dynamic types inside a set
        out: dict[str, Any] = {"nesting_mode": nesting, "block": block}
        if nesting in ("list", "set"):
            if flags[2]:
                out["min_items"] = 1
            if "listMapperHcl" not in entry.value:
                out["max_items"] = 1
        return out

    def attribute(self, entry: HclEntry, flags: tuple[bool, bool, bool]) -> dict[str, Any]:
        out = self._flag_dict(flags)
        if entry.storage[:1].isupper():  # an attribute holding objects: a nested attribute type
            struct = self.struct(self._struct_of(entry))
            nesting = {"list": "list", "set": "set", "struct": "single", "map": "map"}[entry.kind]
            out["nested_type"] = {"attributes": struct.get("attributes", {}), "nesting_mode": nesting}
        else:
            out["type"] = _collection_type(entry)
        return out

    def computed_type(self, info: FieldInfo) -> Any:
        if info.complex:
            base, kind, is_set = info.complex
            obj = ["object", self.object_attributes(base)]
            if kind == "OutputReference":
                return obj
            if kind == "Map":
                return ["map", obj]
            return ["set" if is_set else "list", obj]
        return info.getter if info.getter is not None else "dynamic"

    def object_attributes(self, base: str) -> dict[str, Any]:
        block = self.struct(base)
        types = {name: attr.get("type", "dynamic") for name, attr in block.get("attributes", {}).items()}
        for name, nested in block.get("block_types", {}).items():
            inner = ["object", {k: v.get("type", "dynamic") for k, v in nested["block"].get("attributes", {}).items()}]
            types[name] = inner if nested["nesting_mode"] == "single" else [nested["nesting_mode"], inner]
        return types


def schema_from_module(source: str) -> list[tuple[str, str, dict[str, Any]]]:
    """``[(kind, terraform type, {"version": 0, "block": ...}), ...]`` for the roots defined in ``source``."""
    module = parse_module(source)
    out = []
    for class_name, kind, tf_type in module.roots:
        builder = _Builder(module, tf_type)
        block = builder.block(module.hcl["__root__" + class_name], module.classes[class_name])
        out.append((kind, tf_type, {"version": 0, "block": block}))
    return out
