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

``schema_source`` reads one module's source, ``schema_blocks`` turns it into schema blocks; this module finds
the package, runs both over every module of its tarball and caches the result.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .schema_blocks import schema_from_module
from .schema_source import SchemaError, module_source

__all__ = ["ProviderPackage", "SchemaError", "cached_schema", "generate", "installed_provider_package", "load"]
# The modules that generate the schema: their sources are part of the cache key.
_GENERATOR_FILES = ("schema.py", "schema_source.py", "schema_blocks.py")

# Bump when the generator's output changes, so caches built by an older generator are not reused.
GENERATOR_VERSION = "1"

PROVIDER_PACKAGES = {
    # distribution name -> importable module
    "cdktf-cdktf-provider-aws": "cdktf_cdktf_provider_aws",
    "cdktn-provider-aws": "cdktn_provider_aws",
}


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
    sources = b"".join(Path(__file__).with_name(name).read_bytes() for name in _GENERATOR_FILES)
    generator = hashlib.sha256(sources).hexdigest()[:12]
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
