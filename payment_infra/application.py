"""The contract with the Lambda code in ``lambdas/``: functions, routes, OpenAPI document, workflow definition.

The infrastructure reads these from the application instead of repeating them, so a new handler or
route cannot drift from what is deployed. The two modules are pure (no AWS imports); ``lambdas/`` is the
Lambda package root, not a package of this repo, so its ``payments`` package is registered from there once.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"
OPENAPI_PATH = LAMBDAS_DIR / "openapi.json"


APPLICATION_PACKAGE = "payments"


def _package() -> ModuleType:
    """The ``payments`` package of ``lambdas/``, registered once under its own name.

    Tests and the local emulator import it from ``lambdas/`` on ``sys.path``; the infrastructure does not put
    ``lambdas/`` on its path. Either way there is one ``payments`` package, so ``payments.functions`` is one
    module and ``FunctionSpec`` one class in the process.
    """
    package = sys.modules.get(APPLICATION_PACKAGE)
    expected = LAMBDAS_DIR / APPLICATION_PACKAGE
    if package is None:
        spec = importlib.util.spec_from_file_location(
            APPLICATION_PACKAGE, expected / "__init__.py", submodule_search_locations=[str(expected)]
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load the {APPLICATION_PACKAGE} package from {LAMBDAS_DIR}")
        package = importlib.util.module_from_spec(spec)
        sys.modules[APPLICATION_PACKAGE] = package
        spec.loader.exec_module(package)
    locations = [Path(location).resolve() for location in getattr(package, "__path__", [])]
    if locations != [expected]:
        raise ImportError(f"{APPLICATION_PACKAGE!r} is already imported from {locations}, not from {expected}")
    return package


def _load(submodule: str) -> ModuleType:
    _package()
    return importlib.import_module(f"{APPLICATION_PACKAGE}.{submodule}")


@cache
def functions_module() -> ModuleType:
    """``payments/functions.py``: ``FUNCTIONS``, ``ROUTES``, ``COMMON_ENVIRONMENT``."""
    return _load("functions")


@cache
def workflow_module() -> ModuleType:
    """``payments/workflow_definition.py``: ``build_state_machine_definition``."""
    return _load("workflow_definition")


@cache
def _openapi() -> dict[str, Any]:
    return json.loads(OPENAPI_PATH.read_text())


def openapi_document() -> dict[str, Any]:
    """A fresh copy of the OpenAPI document (callers add API Gateway extensions to it)."""
    return copy.deepcopy(_openapi())
