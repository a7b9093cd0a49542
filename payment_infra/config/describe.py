"""A config as a flat mapping of dotted paths to values, for docs, tests and tooling."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any


def describe(config: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten a config into ``{"lambda_.memory_mb": 512, ...}`` (for docs and tests)."""
    out: dict[str, Any] = {}
    for f in fields(config):
        value = getattr(config, f.name)
        key = f"{prefix}{f.name}"
        if is_dataclass(value):
            out.update(describe(value, key + "."))
        elif isinstance(value, tuple) and value and all(is_dataclass(item) for item in value):
            for index, item in enumerate(value):
                out.update(describe(item, f"{key}[{index}]."))
        else:
            out[key] = value.value if isinstance(value, Enum) else value
    return out
