"""The contract with the Lambda code in ``lambdas/``: functions, routes, OpenAPI document, workflow definition.

The infrastructure reads these from the application instead of repeating them, so a new handler or
route cannot drift from what is deployed. The two modules are pure (no AWS imports) and are loaded by
file path: ``lambdas/`` is the Lambda package root, not a package of this repo.
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


def _load(relative: str, module_name: str) -> ModuleType:
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, LAMBDAS_DIR / relative)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {relative} from {LAMBDAS_DIR}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses need the module registered while executing
        spec.loader.exec_module(module)
    return module


@cache
def functions_module() -> ModuleType:
    """``payments/functions.py``: ``FUNCTIONS``, ``ROUTES``, ``COMMON_ENVIRONMENT``."""
    return _load("payments/functions.py", "payment_app_functions")


@cache
def workflow_module() -> ModuleType:
    """``payments/workflow_definition.py``: ``build_state_machine_definition``."""
    return _load("payments/workflow_definition.py", "payment_app_workflow_definition")


@cache
def _openapi() -> dict[str, Any]:
    return json.loads(OPENAPI_PATH.read_text())


def openapi_document() -> dict[str, Any]:
    """A fresh copy of the OpenAPI document (callers add API Gateway extensions to it)."""
    return copy.deepcopy(_openapi())
