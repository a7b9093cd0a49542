"""The AWS provider schema rebuilt from an installed CDKTF provider package, cached per package version.

The real provider cannot be downloaded here, but its CDKTF binding was generated from its schema and keeps
everything Terraform core needs to check a configuration. Each generated module (``lib/<name>/index.js`` in
the package's jsii tarball) carries its TypeScript source in an inline source map, and that source says, per
Terraform name:

- ``// <name> - computed: a, optional: b, required: c`` above every field: the exact flags;
- the ``synthesizeHclAttributes``/``<struct>ToHclTerraform`` tables: attribute or block, ``simple``/``list``/
  ``set``/``map``/``struct`` and the element type (``storageClassType``);
- a block read through an ``OutputReference`` rather than a ``List``: ``max_items = 1``; getters without setters:
  the computed-only attributes and their types.

Works for ``cdktf-cdktf-provider-aws`` and ``cdktn-provider-aws`` alike (``cdktf.`` or ``cdktn.`` prefixes). The
output has the shape of ``terraform providers schema -json`` (``{"provider", "resource_schemas",
"data_source_schemas"}``), so it can be compared with the real one. Known gaps (docs/testing.md, "Terraform
validate and plan"): ``any``-typed values are ``dynamic`` and set blocks that contain one are served as lists
(Terraform refuses dynamic types in sets); ``min_items`` is 1 for a required block and 0 otherwise; descriptions
are left out.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Bump when the generator's output changes, so caches built by an older generator are not reused.
GENERATOR_VERSION = "1"

PROVIDER_PACKAGES = {
    # distribution name -> importable module
    "cdktf-cdktf-provider-aws": "cdktf_cdktf_provider_aws",
    "cdktn-provider-aws": "cdktn_provider_aws",
}

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
_REFERENCED_STRUCT = re.compile(r"(\w+)ToHclTerraform")

_SCALARS = {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic"}
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


class _RecursiveStructError(Exception):
    """A struct that contains itself (cdktn's wafv2 statements): served as a ``dynamic`` attribute."""


@dataclass
class _Entry:
    """One row of a ``ToHclTerraform`` table."""

    name: str
    value: str
    is_block: bool
    kind: str  # simple | list | set | map | struct
    storage: str


@dataclass
class _Field:
    """What a generated class says about one Terraform name."""

    flags: tuple[bool, bool, bool] | None = None  # computed, optional, required
    getter: Any = None  # cty type of a computed-only scalar/collection
    complex: tuple[str, str, bool] | None = None  # (struct base, OutputReference|List|Map, is_set)


@dataclass
class _Module:
    hcl: dict[str, list[_Entry]] = field(default_factory=dict)  # function base ("lambdaFunctionVpcConfig") -> rows
    classes: dict[str, dict[str, _Field]] = field(default_factory=dict)  # class name -> fields in order
    roots: list[tuple[str, str, str]] = field(default_factory=list)  # (class, TerraformResource|..., tf type)


def module_source(javascript: str) -> str:
    """The generated TypeScript embedded in ``javascript``'s inline source map, else the JavaScript itself."""
    match = _SOURCE_MAP.search(javascript)
    if match:
        sources = json.loads(base64.b64decode(match.group(1))).get("sourcesContent") or []
        if sources and sources[0]:
            return sources[0]
    return javascript


def _hcl_table(text: str, start: int) -> list[_Entry]:
    table = _HCL_TABLE_START.search(text, start)
    if table is None:
        raise SchemaError(f"no `const attrs = {{` after offset {start}")
    depth, stop = 1, table.end()
    while depth:
        nxt = min(i for i in (text.find("{", stop), text.find("}", stop)) if i != -1)
        depth += 1 if text[nxt] == "{" else -1
        stop = nxt + 1
    return [
        _Entry(m.group(1), m.group(2), m.group(3) == "true", m.group(4), m.group(5))
        for m in _HCL_ENTRY.finditer(text, table.end(), stop)
    ]


def _class_fields(body: str) -> dict[str, _Field]:
    fields: dict[str, _Field] = {}
    marks = list(_FLAGS.finditer(body))
    for i, mark in enumerate(marks):
        name = mark.group(1)
        segment = body[mark.end() : marks[i + 1].start() if i + 1 < len(marks) else len(body)]
        entry = fields.setdefault(name, _Field())
        entry.flags = (mark.group(2) == "true", mark.group(3) == "true", mark.group(4) == "true")
        _read_accessors(segment, name, entry)
    # getters of names without a flags comment (provider class)
    for match in _GETTER.finditer(body):
        if match.group(2) not in fields:
            name = match.group(2)
            _read_accessors(body[match.start() - 40 : match.end() + 1], name, fields.setdefault(name, _Field()))
    return fields


def _read_accessors(segment: str, name: str, entry: _Field) -> None:
    tolist = _TOLIST.search(segment)
    getter = _GETTER.search(segment)
    complex_ = _COMPLEX.search(segment)
    scalar_map = _SCALAR_MAP.search(segment)
    if complex_ and complex_.group(3) == name:
        entry.complex = (complex_.group(1), complex_.group(2), complex_.group(4) == "true")
    elif scalar_map and scalar_map.group(2) == name:
        entry.getter = ["map", _SCALARS[scalar_map.group(1).lower()]]
    elif tolist and tolist.group(2) == name:
        kind = _GETTER_TYPES.get(tolist.group(1))
        entry.getter = ["set", kind[1]] if isinstance(kind, list) else kind
    elif getter and getter.group(2) == name:
        entry.getter = _GETTER_TYPES.get(getter.group(1), "dynamic")


def parse_module(source: str) -> _Module:
    """Every ``ToHclTerraform`` table and every generated class (with its fields) of one module."""
    module = _Module()
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


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _upper_first(name: str) -> str:
    return name[:1].upper() + name[1:]


def _collection_type(entry: _Entry) -> Any:
    storage = entry.storage
    if entry.kind == "simple":
        return _SCALARS[storage]
    outer = {"list": "list", "set": "set", "map": "map"}[entry.kind]
    # "stringList", "stringListList", "stringMap", "stringMapMap", "stringMapList": innermost first
    parts = re.findall(r"[a-z]+|[A-Z][a-z]+", storage)
    element: Any = _SCALARS[parts[0]]
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
    def __init__(self, module: _Module, where: str) -> None:
        self.module = module
        self.where = where
        self.open: list[str] = []

    def block(self, entries: list[_Entry], fields: dict[str, _Field]) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        block_types: dict[str, Any] = {}
        seen = set()
        for entry in entries:
            seen.add(entry.name)
            flags = fields.get(entry.name, _Field()).flags or (False, True, False)
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

    def _struct_of(self, entry: _Entry) -> str:
        match = _REFERENCED_STRUCT.search(entry.value)
        if match is None:
            raise SchemaError(f"{self.where}: {entry.name} names no struct ({entry.value})")
        return _upper_first(match.group(1))

    def nested_block(self, entry: _Entry, flags: tuple[bool, bool, bool]) -> dict[str, Any]:
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

    def attribute(self, entry: _Entry, flags: tuple[bool, bool, bool]) -> dict[str, Any]:
        out = self._flag_dict(flags)
        if entry.storage[:1].isupper():  # an attribute holding objects: a nested attribute type
            struct = self.struct(self._struct_of(entry))
            nesting = {"list": "list", "set": "set", "struct": "single", "map": "map"}[entry.kind]
            out["nested_type"] = {"attributes": struct.get("attributes", {}), "nesting_mode": nesting}
        else:
            out["type"] = _collection_type(entry)
        return out

    def computed_type(self, info: _Field) -> Any:
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


@dataclass(frozen=True)
class ProviderPackage:
    distribution: str
    version: str
    tarball: Path


def installed_provider_package(distribution: str = "cdktf-cdktf-provider-aws") -> ProviderPackage:
    """The installed provider package and its jsii tarball (found without importing the package)."""
    module = PROVIDER_PACKAGES.get(distribution)
    if module is None:
        raise SchemaError(f"unknown provider package {distribution!r}: known are {sorted(PROVIDER_PACKAGES)}")
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise SchemaError(f"provider package {distribution} is not installed (module {module})")
    version = importlib.metadata.version(distribution)
    jsii_dir = Path(next(iter(spec.submodule_search_locations))) / "_jsii"
    tarballs = sorted(jsii_dir.glob("*.tgz"))
    if len(tarballs) != 1:
        raise SchemaError(f"expected one jsii tarball in {jsii_dir}, found {[t.name for t in tarballs]}")
    return ProviderPackage(distribution, version, tarballs[0])


def generate(tarball: Path) -> dict[str, Any]:
    """The whole provider schema from a provider package's jsii tarball."""
    schema: dict[str, Any] = {"provider": None, "resource_schemas": {}, "data_source_schemas": {}}
    sources: dict[str, list[str]] = {}  # lib/<name>/ -> sources of index.js and index-structs/*.js
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive:
            parts = member.name.split("/")
            if not (member.isfile() and member.name.endswith(".js") and parts[:2] == ["package", "lib"]):
                continue
            if not (len(parts) == 4 or (len(parts) == 5 and parts[3] == "index-structs")):
                continue
            handle = archive.extractfile(member)
            assert handle is not None
            sources.setdefault(parts[2], []).append(module_source(handle.read().decode()))
    for texts in sources.values():
        source = "\n".join(texts)
        if "tfResourceType" not in source:
            continue
        for kind, tf_type, type_schema in schema_from_module(source):
            if kind == "TerraformProvider":
                schema["provider"] = type_schema
            elif kind == "TerraformResource":
                schema["resource_schemas"][tf_type] = type_schema
            else:
                schema["data_source_schemas"][tf_type] = type_schema
    if schema["provider"] is None or not schema["resource_schemas"]:
        raise SchemaError(f"{tarball}: no provider class or no resources found")
    return schema


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "payment-tf-standin"


def cached_schema(package: ProviderPackage | None = None, directory: Path | None = None) -> Path:
    """Path of the gzipped schema JSON for ``package``, generated on first use (written atomically)."""
    package = package or installed_provider_package()
    generator = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    directory = directory or cache_dir()
    path = directory / f"{package.distribution}-{package.version}-g{GENERATOR_VERSION}-{generator}.json.gz"
    if path.exists():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    data = json.dumps(generate(package.tarball), sort_keys=True).encode()
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(gzip.compress(data, compresslevel=3))
    tmp.replace(path)
    return path


def load(path: Path) -> dict[str, Any]:
    return json.loads(gzip.decompress(path.read_bytes()))
