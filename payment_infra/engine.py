"""Which CDK for Terraform engine the app runs on: HashiCorp's ``cdktf`` (default) or its maintained fork ``cdktn``.

One setting, the environment variable ``PAYMENT_ENGINE`` (``cdktf`` or ``cdktn``), read once at import. The
two engines have the same module and class names under other package names (``cdktf`` → ``cdktn``,
``cdktf_cdktf_provider_aws`` → ``cdktn_provider_aws``). ``payment_infra/framework.py`` and ``payment_infra/aws.py``
are the only modules that name a package; this module tells them which one.

This module imports nothing of either engine: it is safe to import before the jsii kernel starts.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

ENGINE_VARIABLE = "PAYMENT_ENGINE"
DEFAULT_ENGINE = "cdktf"
# The name payment_infra/aws.py imports provider classes from; on cdktn it is an alias of the fork's package.
PROVIDER_IMPORT_NAME = "cdktf_cdktf_provider_aws"


@dataclass(frozen=True)
class Engine:
    """The Python and npm package names of one engine (jsii names each Python package after its npm one)."""

    name: str
    framework_module: str
    provider_module: str
    framework_npm: str
    provider_npm: str


ENGINES: dict[str, Engine] = {
    "cdktf": Engine("cdktf", "cdktf", "cdktf_cdktf_provider_aws", "cdktf", "@cdktf/provider-aws"),
    "cdktn": Engine("cdktn", "cdktn", "cdktn_provider_aws", "cdktn", "@cdktn/provider-aws"),
}


class EngineError(ValueError):
    """``PAYMENT_ENGINE`` names no known engine."""


def selected(environ: Mapping[str, str] = os.environ) -> Engine:
    """The engine ``PAYMENT_ENGINE`` names (``cdktf`` when unset or empty)."""
    name = environ.get(ENGINE_VARIABLE) or DEFAULT_ENGINE
    try:
        return ENGINES[name]
    except KeyError:
        allowed = ", ".join(sorted(ENGINES))
        raise EngineError(f"{ENGINE_VARIABLE}={name!r} is not an engine; allowed: {allowed}") from None


ENGINE = selected()


class _AliasLoader(importlib.abc.Loader):
    """Loads ``alias.x`` as the already importable ``target.x``: one module object under two names."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        self.target_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run (the target executed on its own import); give back the spec the import machinery replaced."""
        module.__spec__ = self.target_spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    def __init__(self, alias: str, target: str) -> None:
        self.alias, self.target = alias, target

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.alias and not fullname.startswith(self.alias + "."):
            return None
        real = self.target + fullname[len(self.alias) :]
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(real), is_package=True)


def alias_provider_package(engine: Engine = ENGINE) -> None:
    """Make ``cdktf_cdktf_provider_aws.<module>`` import the engine's provider module of the same name.

    A no-op on cdktf. On cdktn the provider classes keep their names and only the package is renamed, so
    ``payment_infra/aws.py`` keeps one list of imports for both engines.
    """
    if engine.provider_module == PROVIDER_IMPORT_NAME:
        return
    if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder(PROVIDER_IMPORT_NAME, engine.provider_module))
